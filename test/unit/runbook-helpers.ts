import { expect } from 'vitest';
import { stringify } from 'yaml';
import { parseDocument, parseRunbook, type ParseResult, type RunbookContext, type SourceError } from '../../runbooks/parse.ts';
import type { RunbookDocument } from '../../runbooks/schema.ts';

/** Builders and assertions shared by the runbook-language tests (STYLE rule 22: no setup copied across files). */

export const header = 'apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: demo, title: Demo }\n';

/** A runbook source with `spec` as written (indented by the caller as YAML under `spec:`). */
export const runbook = (spec: string) => `${header}spec:\n${spec}`;

export function errorsOf(source: string, context?: RunbookContext): SourceError[] {
	const result = parseRunbook(source, context);
	if (result.ok) throw new Error('expected the document to be rejected');
	return result.errors;
}

export function documentErrorsOf(source: string): SourceError[] {
	const result = parseDocument(source);
	if (result.ok) throw new Error('expected the document to be rejected');
	return result.errors;
}

export function accepted(source: string, context?: RunbookContext) {
	const result = parseRunbook(source, context);
	if (!result.ok) throw new Error(`expected the document to be accepted: ${JSON.stringify(result.errors, null, 2)}`);
	return result.document;
}

/**
 * Line and column (1-based) of the `occurrence`-th `needle` in `source`, plus `shift` characters:
 * expected positions are read off the text itself rather than copied from the parser's answer.
 */
export function positionOf(source: string, needle: string, { occurrence = 1, shift = 0 } = {}): { line: number; column: number } {
	let index = -1;
	for (let n = 0; n < occurrence; n++) {
		index = source.indexOf(needle, index + 1);
		if (index < 0) throw new Error(`"${needle}" occurs fewer than ${occurrence} times`);
	}
	const before = source.slice(0, index + shift);
	const line = before.split('\n').length;
	return { line, column: before.length - before.lastIndexOf('\n') };
}

/** Exactly one error at `path`, at the given position, whose message matches. */
export function expectError(errors: SourceError[], path: string, message: string | RegExp, position?: { line: number; column: number }) {
	const at = errors.filter((e) => e.path === path);
	expect(at, `errors at ${path} in ${JSON.stringify(errors, null, 2)}`).toHaveLength(1);
	if (typeof message === 'string') expect(at[0].message).toBe(message);
	else expect(at[0].message).toMatch(message);
	if (position) expect({ line: at[0].line, column: at[0].column }).toEqual(position);
	return at[0];
}

/** What every rejection must carry, whatever caused it. Plain checks, not expect(): property tests call this thousands of times. */
export function expectWellFormed(errors: SourceError[], source: string) {
	if (!errors.length) throw new Error('a rejection without errors');
	const lines = source.split(/\r\n|\r|\n/).length;
	for (const error of errors) {
		const sound =
			typeof error.path === 'string' &&
			error.path.length > 0 &&
			Number.isInteger(error.line) &&
			error.line >= 1 &&
			error.line <= lines + 1 &&
			Number.isInteger(error.column) &&
			error.column >= 1 &&
			typeof error.message === 'string' &&
			error.message.length > 0;
		if (!sound) throw new Error(`malformed error ${JSON.stringify(error)} for ${JSON.stringify(source)}`);
	}
}

/** Parses without letting an exception escape: a property fails on one, naming the source that caused it. */
export function parseSafely(source: string): ParseResult<RunbookDocument> {
	try {
		return parseRunbook(source);
	} catch (error) {
		throw new Error(`parseRunbook threw on ${JSON.stringify(source)}`, { cause: error });
	}
}

/** Written out again (as YAML or JSON, whichever the source was not) and read back, a document is unchanged. */
export function expectRoundTrip(document: RunbookDocument, source: string) {
	const text = source.trimStart().startsWith('{') ? stringify(document) : JSON.stringify(document);
	const again = parseRunbook(text);
	if (!again.ok) throw new Error(`a parsed document no longer parses: ${JSON.stringify(again.errors)}\n${text}`);
	expect(again.document).toEqual(document);
}

/** Whatever the source, the answer is sound: accepted and stable, or rejected with a position for each problem. */
export function expectSound(source: string): ParseResult<RunbookDocument> {
	const result = parseSafely(source);
	if (result.ok) expectRoundTrip(result.document, source);
	else expectWellFormed(result.errors, source);
	return result;
}
