import { splitSqlStatements } from './sql-statements.ts';

/**
 * `sql.exec` and `sql.check` send their query through the extended protocol, which takes exactly
 * one statement; PostgreSQL refuses more with "cannot insert multiple commands into a prepared
 * statement". Said at publish for a literal query, and again at run time, in the same words, for
 * one an expression builds.
 */
export type OneStatementStep = 'sql.exec' | 'sql.check';

export function isOneStatementStep(uses: string): uses is OneStatementStep {
	return uses === 'sql.exec' || uses === 'sql.check';
}

export function oneStatementAdvice(uses: OneStatementStep): string {
	return uses === 'sql.exec'
		? 'give each statement a sql.exec step of its own, or put them in a migration bundle and apply it with postgres.migrate (one transaction, with a ledger and a down.sql)'
		: 'give each check a sql.check step of its own';
}

/** The publish-time problem with a literal query, if it holds more than one statement. */
export function oneStatementProblem(uses: OneStatementStep, query: string): string | undefined {
	if (query.includes('${{')) return undefined;
	const statements = splitSqlStatements(query);
	if (statements.length < 2) return undefined;
	return `${uses} runs exactly one SQL statement, and this query holds ${statements.length} (the second starts on its line ${statements[1].line}): ${oneStatementAdvice(uses)}`;
}

/** The run-time message for PostgreSQL's refusal of a query that held several statements. */
export function manyStatementsMessage(uses: OneStatementStep): string {
	return `${uses} runs exactly one SQL statement, and this query holds more than one (PostgreSQL: cannot insert multiple commands into a prepared statement): ${oneStatementAdvice(uses)}`;
}
