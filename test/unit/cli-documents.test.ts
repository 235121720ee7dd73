import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentFiles, readDocuments } from '../../cli/documents.ts';
import { parseInputs, UsageError } from '../../cli/output.ts';

const folder = mkdtempSync(join(tmpdir(), 'tend-cli-docs-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const write = (name: string, text: string) => {
	const path = join(folder, name);
	writeFileSync(path, text);
	return path;
};

describe('tend apply: reading documents', () => {
	it('finds document files in folders, in order, and skips hidden folders and other files', () => {
		mkdirSync(join(folder, 'tree', 'b'), { recursive: true });
		mkdirSync(join(folder, 'tree', '.git'), { recursive: true });
		for (const name of ['b/two.yml', 'a.yaml', 'c.json', 'notes.md', '.git/x.yaml']) writeFileSync(join(folder, 'tree', name), 'kind: Runbook\n');
		expect(documentFiles([join(folder, 'tree')]).map((p) => p.slice(folder.length + 6))).toEqual(['a.yaml', 'b/two.yml', 'c.json']);
	});

	it('sends a one-document file as it is', () => {
		const text = '# the nightly run\napiVersion: tend/v1\nkind: Runbook\nmetadata: { name: one }\n';
		expect(readDocuments(write('one.yaml', text))).toEqual([expect.objectContaining({ source: text, lineOffset: 0, kind: 'Runbook', name: 'one', contentType: 'application/yaml' })]);
	});

	it('splits a multi-document file and keeps where each document starts', () => {
		const text = 'kind: Runbook\nmetadata: { name: a }\n---\nkind: Window\nmetadata: { name: b }\n---\n';
		const docs = readDocuments(write('two.yaml', text));
		expect(docs).toEqual([
			expect.objectContaining({ kind: 'Runbook', name: 'a', lineOffset: 0, source: 'kind: Runbook\nmetadata: { name: a }\n' }),
			expect.objectContaining({ kind: 'Window', name: 'b', lineOffset: 2, source: '---\nkind: Window\nmetadata: { name: b }\n' })
		]);
	});

	it('reports unreadable YAML and a missing kind with their file positions', () => {
		const [broken] = readDocuments(write('broken.yaml', 'kind: Runbook\nmetadata: { name: [x }\n'));
		expect('errors' in broken && broken.errors[0]).toMatchObject({ line: 2, column: 22, message: expect.stringMatching(/^Flow sequence/) });
		const [kindless] = readDocuments(write('kindless.json', '{\n  "apiVersion": "tend/v1"\n}\n'));
		expect(kindless).toEqual({ file: join(folder, 'kindless.json'), errors: [{ line: 1, column: 1, message: 'the document has no kind (Runbook, Window, Target, Drill or TrainingModule)' }] });
	});
});

describe('tend run --input', () => {
	it('splits key=value at the first =', () => {
		expect(parseInputs(['release=2026.05', 'query=a=b'])).toEqual({ release: '2026.05', query: 'a=b' });
		expect(() => parseInputs(['=x'])).toThrow(UsageError);
		expect(() => parseInputs(['release'])).toThrow(UsageError);
	});
});
