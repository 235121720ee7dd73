import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from '../../runbooks/sql-statements.ts';

const texts = (sql: string) => splitSqlStatements(sql).map((s) => s.text);

describe('splitting a SQL file into statements', () => {
	it('splits on semicolons and drops empty statements and trailing comments', () => {
		expect(texts('select 1;\n\n;select 2 ;  -- the end\n')).toEqual(['select 1', 'select 2']);
	});

	it('keeps semicolons inside quotes, quoted identifiers and comments', () => {
		const sql = [
			"insert into t values ('a;b', 'it''s; fine');",
			'select "odd;name" from t;',
			"select E'back\\'slash; still' as x;",
			'select 1 /* a; /* nested; */ comment; */ + 1;',
			'select 2 -- a; line comment\n + 2;'
		].join('\n');
		expect(texts(sql)).toEqual([
			"insert into t values ('a;b', 'it''s; fine')",
			'select "odd;name" from t',
			"select E'back\\'slash; still' as x",
			'select 1 /* a; /* nested; */ comment; */ + 1',
			'select 2 -- a; line comment\n + 2'
		]);
	});

	it('keeps dollar-quoted bodies whole, but reads $1 as a parameter', () => {
		const fn = `create function f() returns int language plpgsql as $body$
begin
	perform 1; return $$;$$::text::int;
end $body$`;
		expect(texts(`${fn};\nselect $1::int; select $tag$;$tag$;`)).toEqual([fn, 'select $1::int', 'select $tag$;$tag$']);
	});

	it('keeps a BEGIN ATOMIC body, with a CASE inside, as one statement', () => {
		const fn = `create or replace function g(x int) returns text language sql
begin atomic
	select case when x > 0 then 'pos' else 'neg' end;
	select 'two';
end`;
		expect(texts(`${fn};\nselect 3;`)).toEqual([fn, 'select 3']);
	});

	it('reports the line each statement starts on and its first words, lower-cased', () => {
		const statements = splitSqlStatements("-- header\n\nCREATE INDEX CONCURRENTLY i ON t (a);\n\nalter table t\n  add column b text default 'x;y';\n");
		expect(statements.map((s) => [s.line, s.words.slice(0, 3)])).toEqual([
			[3, ['create', 'index', 'concurrently']],
			[5, ['alter', 'table', 't']]
		]);
	});

	it('counts lines inside strings and comments', () => {
		const statements = splitSqlStatements("select 'a\nb';\n/* one\ntwo */\nselect $$\n$$;\nselect 1;");
		expect(statements.map((s) => s.line)).toEqual([1, 5, 7]);
	});
});
