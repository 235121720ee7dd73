import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseDocument } from '../../runbooks/parse.ts';
import { runbookDocument, serialise } from './runbook-arbitraries.ts';
import { expectSound, expectWellFormed, parseSafely } from './runbook-helpers.ts';
import { STRUCTURAL, type Json } from './runbook-mutations.ts';

/**
 * The parser against documents no one meant to write: a structural mistake (700), garbage
 * spliced into valid runbooks, lines repeated, text cut short (1,800), and arbitrary strings and
 * bytes (3,900). It must never throw, and must answer every rejection with a path, a line and a
 * column. Its sibling runbook-properties.test.ts runs on the other core.
 */

const RUNS = { structural: 700, spliced: 600, variants: 3, arbitrary: 3900 };
const TIMEOUT = 60_000;

const snippet = fc.oneof(
	fc.constantFrom(': ', '- ', '{', '}', '[', ']', '"', "'", '\t', '&a ', '*a', '!!str ', '!!binary ', '---\n', '...\n', '? ', '%YAML 1.2\n', '\u0000', '\r', '# ', '|\n', '>-\n', '${{', '}}', ',', '\n  ', '\n', '\ufeff', '<<: *a\n', '__proto__: 1\n'),
	fc.string({ maxLength: 6 }),
	fc.string({ unit: 'binary', maxLength: 6 })
);

type Edit = { kind: 'insert'; at: number; text: string } | { kind: 'delete'; at: number; length: number } | { kind: 'truncate'; at: number } | { kind: 'repeat-line'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
	fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: snippet }),
	fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
	fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
	fc.record({ kind: fc.constant('repeat-line' as const), at: fc.nat() })
);

function applyEdits(source: string, edits: readonly Edit[]): string {
	let text = source;
	for (const e of edits) {
		const at = e.at % (text.length + 1);
		if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
		else if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
		else if (e.kind === 'truncate') text = text.slice(0, at);
		else {
			const lines = text.split('\n');
			const line = at % lines.length;
			lines.splice(line, 0, lines[line]);
			text = lines.join('\n');
		}
	}
	return text;
}

describe('runbooks with a mistake in them', () => {
	it(
		'are rejected, and the mistake is among the errors',
		() => {
			const names = Object.keys(STRUCTURAL);
			fc.assert(
				fc.property(runbookDocument(), fc.constantFrom(...names), fc.nat(), serialise, (generated, name, pick, write) => {
					const doc = structuredClone(generated) as Json;
					const expected = STRUCTURAL[name](doc, pick, null);
					// Some mistakes need two steps; a one-step runbook is then left as it was.
					if (expected === undefined) return;
					const source = write(doc);
					const result = parseSafely(source);
					if (result.ok) throw new Error(`accepted after "${name}":\n${source}`);
					expectWellFormed(result.errors, source);
					expect(result.errors.map((e) => e.message).join('\n')).toContain(expected);
				}),
				{ numRuns: RUNS.structural }
			);
		},
		TIMEOUT
	);
});

describe('runbooks with garbage in them', () => {
	it(
		'never crash the parser, and every rejection has a path, line and column',
		() => {
			const edits = fc.array(edit, { minLength: 1, maxLength: 4 });
			fc.assert(
				fc.property(runbookDocument(), serialise, fc.array(edits, { minLength: RUNS.variants, maxLength: RUNS.variants }), (doc, write, variants) => {
					const source = write(doc);
					for (const e of variants) expectSound(applyEdits(source, e));
				}),
				{ numRuns: RUNS.spliced }
			);
		},
		TIMEOUT
	);
});

describe('arbitrary input', () => {
	it(
		'never crashes any parser, and every rejection has a path, line and column',
		() => {
			fc.assert(
				fc.property(
					fc.oneof(
						fc.string({ unit: 'binary', maxLength: 300 }),
						fc.string({ maxLength: 300 }),
						fc.uint8Array({ maxLength: 300 }).map((bytes) => new TextDecoder().decode(bytes)),
						fc.uint8Array({ maxLength: 300 }).map((bytes) => String.fromCharCode(...bytes)),
						fc.jsonValue().map((v) => JSON.stringify(v)),
						fc.anything().map((v) => stringify(v) ?? '')
					),
					(source) => {
						expectSound(source);
						const any = parseDocument(source);
						if (!any.ok) expectWellFormed(any.errors, source);
					}
				),
				{ numRuns: RUNS.arbitrary }
			);
		},
		TIMEOUT
	);
});
