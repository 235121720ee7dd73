/**
 * Splits a SQL file into its statements the way psql does: a `;` ends a statement only outside
 * quotes ('…', E'…', "…", $tag$…$tag$), comments (--, nested /* *\/) and the body of a
 * `CREATE FUNCTION … BEGIN ATOMIC … END`. A bundle that cannot run in one transaction is applied
 * statement by statement, so each must be found exactly; the first words of each let bundle
 * validation tell what kind of statement it is without parsing SQL.
 */
export interface SqlStatement {
	text: string;
	/** 1-based line where the statement's code starts, for messages that point into the file. */
	line: number;
	/** Its first words outside comments and quotes, lower-cased: `['create', 'index', 'concurrently', …]`. */
	words: string[];
}

const WORDS_KEPT = 16;
const WORD_CHAR = /[A-Za-z0-9_$]/;
const WORD_START = /[A-Za-z_]/;
// `$1` is a parameter, not a tag: a tag never starts with a digit.
const DOLLAR_TAG = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/;

export function splitSqlStatements(sql: string): SqlStatement[] {
	const statements: SqlStatement[] = [];
	let start = 0;
	let line = 1;
	let startLine = 1;
	let words: string[] = [];
	let hasCode = false;
	// BEGIN ATOMIC bodies (and the CASE … END inside them) hold semicolons that do not end the statement.
	let depth = 0;

	const isRoutine = () => words[0] === 'create' && (words[1] === 'function' || words[1] === 'procedure' || (words[1] === 'or' && words[2] === 'replace' && (words[3] === 'function' || words[3] === 'procedure')));
	const finish = (end: number) => {
		const text = sql.slice(start, end).trim();
		if (hasCode && text) statements.push({ text, line: startLine, words });
		start = end + 1;
		words = [];
		hasCode = false;
		depth = 0;
	};
	// A statement's line is that of its first code; comments before it stay in its text but do not move the line.
	const markCode = () => {
		if (hasCode) return;
		hasCode = true;
		startLine = line;
	};

	let i = 0;
	while (i < sql.length) {
		const c = sql[i];
		const next = sql[i + 1];
		const afterWord = WORD_CHAR.test(sql[i - 1] ?? '');
		if (c === '\n') {
			line++;
			i++;
		} else if (/\s/.test(c)) {
			i++;
		} else if (c === '-' && next === '-') {
			while (i < sql.length && sql[i] !== '\n') i++;
		} else if (c === '/' && next === '*') {
			i = skipBlockComment(sql, i, () => line++);
		} else if ((c === 'E' || c === 'e') && next === "'" && !afterWord) {
			markCode();
			i = skipQuoted(sql, i + 1, "'", true, () => line++);
		} else if (c === "'" || c === '"') {
			markCode();
			i = skipQuoted(sql, i, c, false, () => line++);
		} else if (c === '$' && !afterWord && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
			markCode();
			const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
			const close = sql.indexOf(tag, i + tag.length);
			const end = close === -1 ? sql.length : close + tag.length;
			line += countNewlines(sql, i, end);
			i = end;
		} else if (WORD_START.test(c) && !afterWord) {
			markCode();
			let end = i;
			while (end < sql.length && WORD_CHAR.test(sql[end])) end++;
			const word = sql.slice(i, end).toLowerCase();
			if (words.length < WORDS_KEPT) words.push(word);
			if (isRoutine()) {
				if (word === 'begin' || word === 'case') depth++;
				else if (word === 'end' && depth > 0) depth--;
			}
			i = end;
		} else if (c === ';' && depth === 0) {
			finish(i);
			i++;
		} else {
			markCode();
			i++;
		}
	}
	finish(sql.length);
	return statements;
}

function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean, newline: () => void): number {
	let i = open + 1;
	while (i < sql.length) {
		const c = sql[i];
		if (c === '\n') newline();
		if (backslashEscapes && c === '\\') {
			if (sql[i + 1] === '\n') newline();
			i += 2;
		}
		else if (c === quote && sql[i + 1] === quote) i += 2;
		else if (c === quote) return i + 1;
		else i++;
	}
	return i;
}

function skipBlockComment(sql: string, open: number, newline: () => void): number {
	let nesting = 0;
	let i = open;
	do {
		if (sql[i] === '/' && sql[i + 1] === '*') {
			nesting++;
			i += 2;
		} else if (sql[i] === '*' && sql[i + 1] === '/') {
			nesting--;
			i += 2;
		} else {
			if (sql[i] === '\n') newline();
			i++;
		}
	} while (nesting > 0 && i < sql.length);
	return i;
}

function countNewlines(text: string, from: number, to: number): number {
	let n = 0;
	for (let i = from; i < to; i++) if (text[i] === '\n') n++;
	return n;
}
