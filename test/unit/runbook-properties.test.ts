import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STEP_TYPE_BY_USES } from '../../runbooks/catalog.ts';
import { ExpressionError, evaluate, parseExpression, type ExpressionContext } from '../../runbooks/expressions.ts';
import { parseDocument } from '../../runbooks/parse.ts';
import { anyWith, expressionBody, runbookDocument, serialise, targetDocument, windowDocument } from './runbook-arbitraries.ts';
import { expectRoundTrip, expectSound, expectWellFormed, parseSafely } from './runbook-helpers.ts';
import { changeType, dropField, junk, MUTATIONS, type Json } from './runbook-mutations.ts';

/**
 * Properties of the parser over generated documents, valid and then broken on purpose: it never
 * throws, every rejection says where (a non-empty path, a line and a column), and whatever it
 * accepts survives being written out as YAML or JSON and read back. With runbook-fuzz.test.ts
 * (structural mistakes, garbage text and bytes; vitest runs it on the other core) over 10,000
 * documents are parsed: 600 valid (each twice), 1,800 mutated and 1,200 targets and windows here.
 */

const RUNS = { valid: 600, mutated: 600, variants: 3, others: 1200, withs: 1000, expressions: 1000 };
const TIMEOUT = 60_000;

describe('valid runbooks', () => {
	it(
		'are accepted from YAML and JSON alike, and round-trip',
		() => {
			fc.assert(
				fc.property(runbookDocument(), serialise, (doc, write) => {
					const source = write(doc);
					const result = parseSafely(source);
					if (!result.ok) throw new Error(`rejected a valid runbook: ${JSON.stringify(result.errors, null, 2)}\n${source}`);
					expect(result.document.spec.steps.map((s) => s.id)).toEqual((doc.spec as { steps: Array<{ id: string }> }).steps.map((s) => s.id));
					expectRoundTrip(result.document, source);
				}),
				{ numRuns: RUNS.valid }
			);
		},
		TIMEOUT
	);

	it('have a with that passes its step type’s schema, for every step type in the catalog', () => {
		fc.assert(
			fc.property(anyWith, ({ uses, value }) => {
				const parsed = STEP_TYPE_BY_USES.get(uses)!.withSchema.safeParse(value);
				if (!parsed.success) throw new Error(`${uses}: ${JSON.stringify(parsed.error.issues)} for ${JSON.stringify(value)}`);
			}),
			{ numRuns: RUNS.withs }
		);
	});
});

describe('broken runbooks', () => {
	it(
		'are rejected with a path, line and column for each problem, or accepted and stable: never a crash',
		() => {
			const edits = fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat(), junk), { minLength: 1, maxLength: 3 });
			fc.assert(
				fc.property(runbookDocument(), fc.array(fc.tuple(edits, serialise), { minLength: RUNS.variants, maxLength: RUNS.variants }), (doc, variants) => {
					// Several variants of one generated document: generating costs as much as parsing.
					for (const [mutations, write] of variants) {
						const copy = structuredClone(doc) as Json;
						for (const [which, pick, value] of mutations) MUTATIONS[which](copy, pick, value);
						expectSound(write(copy));
					}
				}),
				{ numRuns: RUNS.mutated }
			);
		},
		TIMEOUT
	);
});

describe('targets and windows', () => {
	it(
		'are accepted when valid, and answered with positions when broken',
		() => {
			fc.assert(
				fc.property(fc.oneof(targetDocument, windowDocument), serialise, fc.option(fc.tuple(fc.constantFrom(dropField, changeType), fc.nat(), junk), { nil: undefined }), (generated, write, mutation) => {
					// fast-check may hand the same value to a later run while shrinking: never change it in place.
					const doc = structuredClone(generated);
					if (mutation) mutation[0](doc as Json, mutation[1], mutation[2]);
					const source = write(doc);
					const result = parseDocument(source);
					if (!mutation && !result.ok) throw new Error(`rejected a valid ${doc.kind}: ${JSON.stringify(result.errors)}\n${source}`);
					if (result.ok) {
						expect(result.kind).toBe(doc.kind);
						const again = parseDocument(JSON.stringify(result.document));
						expect(again.ok && again.document).toEqual(result.document);
					} else expectWellFormed(result.errors, source);
				}),
				{ numRuns: RUNS.others }
			);
		},
		TIMEOUT
	);
});

describe('expressions', () => {
	const context: ExpressionContext = { inputs: { a: 1, b: 'x' }, steps: {}, target: {}, run: { id: 'r' }, item: [1] };

	it('parse or fail with an ExpressionError at an offset inside the text, and evaluate the same way every time', () => {
		const scope = { inputs: [{ name: 'a', type: 'number' as const }], upstream: [], item: true };
		fc.assert(
			fc.property(fc.oneof(expressionBody(scope, 3), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })), (body) => {
				let parsed;
				try {
					parsed = parseExpression(body);
				} catch (error) {
					expect(error).toBeInstanceOf(ExpressionError);
					expect((error as ExpressionError).offset).toBeGreaterThanOrEqual(0);
					expect((error as ExpressionError).offset).toBeLessThanOrEqual(body.length);
					return;
				}
				expect(evaluate(parseExpression(body), context)).toEqual(evaluate(parsed, context));
			}),
			{ numRuns: RUNS.expressions }
		);
	});
});
