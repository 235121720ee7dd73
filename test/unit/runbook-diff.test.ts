import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffRunbooks } from '../../runbooks/diff.ts';
import { accepted, runbook } from './runbook-helpers.ts';

const v1 = runbook(`  target: crm-demo
  inputs:
    release: { type: string, required: true }
  steps:
    - id: backup
      uses: postgres.backup
      with: { database: main }
    - id: verify
      uses: backup.verify
      with: { database: main }
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: "done" }
`);

const v2 = runbook(`  target: crm-demo
  inputs:
    release: { type: string, required: true, description: the CRM release }
  steps:
    - id: verify
      uses: backup.verify
      with: { database: main }
    - id: backup
      uses: postgres.backup
      with: { database: main, format: directory }
      retry: { maxAttempts: 5 }
    - id: announce
      uses: notify
      with: { to: [role:member], subject: "CRM \${{ inputs.release }}" }
`).replace('title: Demo', 'title: Demo v2');

describe('diffRunbooks', () => {
	const diff = diffRunbooks(v1, v2, { old: 'v1', new: 'v2' });

	it('summarises steps added, removed, changed (by field) and moved', () => {
		expect(diff.identical).toBe(false);
		expect(diff.steps).toEqual({
			added: ['announce'],
			removed: ['tell'],
			changed: [{ id: 'backup', fields: ['with.format', 'retry'] }],
			moved: ['backup']
		});
	});

	it('names settings that changed outside the steps', () => {
		expect(diff.changed).toEqual(['metadata.title', 'spec.inputs.release']);
	});

	it('gives a unified diff and numbered lines', () => {
		expect(diff.patch).toContain('--- v1');
		expect(diff.patch).toContain('+++ v2');
		expect(diff.patch).toContain('-metadata: { name: demo, title: Demo }');
		expect(diff.patch).toContain('+metadata: { name: demo, title: Demo v2 }');
		const added = diff.lines.filter((l) => l.kind === 'added');
		expect(added.find((l) => l.text.includes('format: directory'))?.newLine).toBe(v2.split('\n').findIndex((l) => l.includes('format: directory')) + 1);
		expect(diff.lines.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(v1.split('\n').slice(0, -1));
		expect(diff.lines.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(v2.split('\n').slice(0, -1));
	});

	it('compares parsed documents as YAML, and sees no change where only the form differs', () => {
		const source = readFileSync(new URL('../../runbooks/crm-nightly-backup.yaml', import.meta.url), 'utf8');
		const document = accepted(source);
		expect(diffRunbooks(document, structuredClone(document))).toMatchObject({ identical: true, patch: expect.not.stringContaining('@@'), steps: { added: [], removed: [], changed: [], moved: [] }, changed: [] });
		const asJson = diffRunbooks(source, JSON.stringify(parse(source), null, 2));
		expect(asJson.identical).toBe(false);
		expect(asJson.steps).toEqual({ added: [], removed: [], changed: [], moved: [] });
	});

	it('still diffs the text of a source that is not valid YAML', () => {
		const broken = diffRunbooks(v1, `${v1}  steps: [ {\n`);
		expect(broken.lines.at(-1)).toEqual({ kind: 'added', text: '  steps: [ {', newLine: v1.split('\n').length });
		expect(broken.steps.removed).toEqual(['backup', 'verify', 'tell']);
	});
});
