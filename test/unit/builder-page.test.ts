import { describe, expect, it } from 'vitest';
import { readGraph, type BuilderGraph } from '../../web/src/lib/builder/model.ts';
import { freshInputName, putInput, readSettings, removeInput, updateSettings } from '../../web/src/lib/builder/settings.ts';
import { expressionSuggestions } from '../../web/src/lib/builder/suggestions.ts';
import { renameRunbook, STARTER_SOURCE, summarize, titleFromName } from '../../web/src/lib/builder/template.ts';
import { countByStep, nameProblem, stepErrors, stepLocation, toProblems } from '../../web/src/lib/builder/validate.ts';
import { parseRunbook } from '../../runbooks/parse.ts';
import { STEP_FACTS } from '../../runbooks/step-facts.ts';
import type { StepTypeInfo } from '../../web/src/lib/builder/types.ts';

const stepTypes: StepTypeInfo[] = STEP_FACTS.map((facts) => ({ ...facts, withSchema: {} }));

const SOURCE = `apiVersion: tend/v1
kind: Runbook
# who to call: the CRM team
metadata:
  name: crm-check
  title: CRM check
spec:
  target: crm-demo
  inputs:
    release: { type: string, required: true }
  steps:
    - id: backup
      uses: postgres.backup
      with: { database: main }
    - id: verify
      uses: sql.check
      with: { database: main, query: "select true" }
    - id: tell
      uses: notify
      needs: [backup]
      with: { to: [role:admin], subject: done }
`;

function graphOf(source: string): BuilderGraph {
	const read = readGraph(source);
	if (!read.ok) throw new Error(read.message);
	return read.graph;
}

describe('the starter template', () => {
	it('is a valid runbook on the demo target, and becomes the author’s under a new name', () => {
		const renamed = renameRunbook(STARTER_SOURCE, 'nightly-fix', 'Nightly fix');
		const parsed = parseRunbook(renamed, { targets: ['crm-demo'], windows: [] });
		expect(parsed.ok ? parsed.document.metadata : parsed.errors).toMatchObject({ name: 'nightly-fix', title: 'Nightly fix' });
		// Comments survive the renaming.
		expect(renamed).toContain('# Values come through params');
		expect(summarize('starter', STARTER_SOURCE)).toMatchObject({ stepCount: 4, uses: ['postgres.backup', 'approval', 'sql.exec', 'notify'] });
		expect(titleFromName('crm-weekly-check')).toBe('Crm weekly check');
	});
});

describe('settings edits', () => {
	it('change the YAML where the setting lives and keep comments', () => {
		let source = updateSettings(SOURCE, { window: 'weekend-night', onFailure: 'rollback', title: 'CRM checks' });
		expect(source).toContain('# who to call: the CRM team');
		const settings = readSettings(source)!;
		expect(settings).toMatchObject({ title: 'CRM checks', window: 'weekend-night', onFailure: 'rollback', target: 'crm-demo' });
		// New spec keys go before the steps, not after them.
		expect(source.indexOf('window: weekend-night')).toBeLessThan(source.indexOf('steps:'));
		source = updateSettings(source, { target: '' });
		expect(readSettings(source)!.target).toBe('');
		expect(source).not.toContain('target:');
	});

	it('add, rename, type and remove inputs', () => {
		let source = putInput(SOURCE, null, { name: freshInputName(['release']), type: 'number', required: false, default: '3', description: 'How many' });
		expect(readSettings(source)!.inputs.map((i) => i.name)).toEqual(['release', 'input']);
		expect(parseRunbook(source).ok ? null : parseRunbook(source)).toBeNull();
		source = putInput(source, 'input', { name: 'batches', type: 'number', required: true, default: '3', description: 'How many' });
		const doc = parseRunbook(source);
		expect(doc.ok && doc.document.spec.inputs).toEqual({ release: { type: 'string', required: true }, batches: { type: 'number', required: true, default: 3, description: 'How many' } });
		source = removeInput(removeInput(source, 'batches'), 'release');
		expect(source).not.toContain('inputs');
	});

	it('add inputs to a runbook that had none, before its steps', () => {
		const without = SOURCE.replace('  inputs:\n    release: { type: string, required: true }\n', '');
		const source = putInput(without, null, { name: 'reason', type: 'string', required: false, default: '', description: '' });
		expect(source.indexOf('inputs:')).toBeLessThan(source.indexOf('steps:'));
		expect(readSettings(source)!.inputs).toEqual([{ name: 'reason', type: 'string', required: false, default: '', description: '' }]);
	});
});

describe('findings in the builder', () => {
	it('belong to the step their path names, with paths relative to it', () => {
		expect(stepLocation('spec.steps[2].with.database')).toEqual({ index: 2, rest: 'with.database' });
		expect(stepLocation('spec.steps.3.retry.maxAttempts')).toEqual({ index: 3, rest: 'retry.maxAttempts' });
		expect(stepLocation('spec.target')).toBeNull();

		const broken = SOURCE.replace('with: { database: main }', 'with: { database: main, colour: blue }');
		const parsed = parseRunbook(broken, { targets: ['crm-demo'] });
		expect(parsed.ok).toBe(false);
		const problems = toProblems(parsed.ok ? [] : parsed.errors, graphOf(broken));
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatchObject({ stepId: 'backup', line: 14 });
		expect(countByStep(problems)).toEqual({ backup: 1 });
		expect(stepErrors(problems, 'backup')[0].path).toMatch(/^with/);
		expect(stepErrors(problems, 'verify')).toEqual([]);
	});

	it('say when the runbook’s name no longer matches the one being edited, at its line', () => {
		expect(nameProblem(SOURCE, 'crm-check')).toBeNull();
		expect(nameProblem(SOURCE, 'other')).toMatchObject({ path: 'metadata.name', line: 5, column: 9 });
	});
});

describe('expression suggestions', () => {
	it('offer inputs and the outputs of upstream steps only', () => {
		const graph = graphOf(SOURCE);
		const upstream = graph.steps.filter((s) => s.step.id === 'backup');
		const suggestions = expressionSuggestions(['release'], upstream, stepTypes);
		expect(suggestions).toContain('${{ inputs.release }}');
		expect(suggestions).toContain('${{ steps.backup.outputs.backupId }}');
		expect(suggestions.some((s) => s.includes('steps.verify'))).toBe(false);
	});
});
