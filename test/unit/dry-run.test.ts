import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dryRun, dryRunGateId, type DryRunResult } from '../../runbooks/dry-run.ts';
import { parseRunbook } from '../../runbooks/parse.ts';
import { runbookSchema, type RunbookDocument } from '../../runbooks/schema.ts';
import { parse as parseYaml } from 'yaml';
import { gateId } from '../../workflows/definitions.ts';
import { planRun } from '../../runbooks/run-model.ts';

const folder = new URL('../../runbooks/', import.meta.url);

function builtIn(name: string): RunbookDocument {
	return parse(readFileSync(new URL(`${name}.yaml`, folder), 'utf8'));
}

function parse(source: string): RunbookDocument {
	const parsed = parseRunbook(source);
	if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
	return parsed.document;
}

/** A runbook from its steps (YAML under `spec.steps`) and spec settings. */
function synthetic(steps: string, spec = 'onFailure: stop'): RunbookDocument {
	const indented = (text: string, by: string) => text.trim().split('\n').map((line) => by + line).join('\n');
	return parse(`apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: synthetic, title: Synthetic }\nspec:\n${indented(spec, '  ')}\n  steps:\n${indented(steps, '    ')}\n`);
}

const outcomes = (result: DryRunResult) => Object.fromEntries(result.steps.map((s) => [s.id, s.outcome]));
const step = (result: DryRunResult, id: string) => result.steps.find((s) => s.id === id)!;

describe('a dry run of the built-in runbooks', () => {
	it('plans the same steps and gates as the interpreter, for every built-in runbook', () => {
		const names = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
		expect(names.length).toBeGreaterThan(3);
		for (const file of names) {
			const runbook = builtIn(file.replace(/\.yaml$/, ''));
			const planned = planRun(runbook);
			const result = dryRun(runbook, { inputs: { release: '1.2' } });
			expect(new Set(result.steps.map((s) => s.id)), file).toEqual(new Set(planned.map((p) => p.id)));
			for (const node of planned) expect(step(result, node.id).needs, `${file} ${node.id}`).toEqual(node.needs);
		}
		expect(dryRunGateId('update')).toBe(gateId('update'));
	});

	it('walks the monthly update in waves: smoke and verify side by side after the update, then done', () => {
		const result = dryRun(builtIn('crm-monthly-update'), { inputs: { release: '1.2' } });
		expect(result.status).toBe('succeeded');
		expect(result.steps.map((s) => [s.id, s.wave])).toEqual([
			['backup', 1],
			['announce', 2],
			['approve', 3],
			['update', 4],
			['verify', 5],
			['smoke', 5],
			['done', 6],
			// 1.2 verified: its "What's new" module goes to the CRM's users, beside the done notice.
			['whats-new', 6]
		]);
		expect(result.waves).toBe(6);
		expect(outcomes(result)).toMatchObject({ approve: 'approved', update: 'succeeds', done: 'succeeds' });
		// The explicit approval covers the high-risk update: no implicit gate.
		expect(result.steps.some((s) => s.kind === 'gate')).toBe(false);
		expect(step(result, 'approve').approval).toEqual({ approvers: ['role:approver'], quorum: 1, timeout: '4h', onTimeout: 'fail', implicit: false });
		expect(step(result, 'update').with).toEqual({ database: 'main', bundle: 'crm-1.2' });
		expect(step(result, 'update').rollback).toEqual({ uses: 'postgres.restore', with: { database: 'main', backup: '<output of backup.backupId>' } });
		expect(step(result, 'smoke').with.url).toBe('<target.urls.health>');
		expect(step(result, 'backup').outputs).toContain('backupId');
		expect(result.holds).toEqual({ concurrency: 'crm-demo', freeze: 'crm-demo' });
	});

	it('when verify fails after the update, restores the backup and ends rolled back; what follows never starts', () => {
		const result = dryRun(builtIn('crm-monthly-update'), { inputs: { release: '1.3' }, failAt: 'verify' });
		expect(result.status).toBe('rolled_back');
		expect(result.failure).toEqual({ stepId: 'verify', rejected: false, policy: 'rollback' });
		expect(outcomes(result)).toEqual({
			backup: 'succeeds',
			announce: 'succeeds',
			approve: 'approved',
			update: 'compensated',
			verify: 'fails',
			// smoke was running beside verify: it finishes.
			smoke: 'succeeds',
			done: 'never_starts',
			'whats-new': 'never_starts'
		});
		expect(result.rollbacks).toEqual([{ stepId: 'update', uses: 'postgres.restore', with: { database: 'main', backup: '<output of backup.backupId>' } }]);
	});

	it('when the approval is rejected under rollback, nothing was changed yet, so nothing is compensated', () => {
		const result = dryRun(builtIn('crm-monthly-update'), { inputs: { release: '1.2' }, reject: ['approve'] });
		expect(result.status).toBe('rolled_back');
		expect(result.failure).toEqual({ stepId: 'approve', rejected: true, policy: 'rollback' });
		expect(result.rollbacks).toEqual([]);
		expect(outcomes(result)).toMatchObject({ approve: 'rejected', update: 'never_starts', verify: 'never_starts', done: 'never_starts' });
	});

	it('reports inputs a start would refuse, and carries on with the rest', () => {
		const result = dryRun(builtIn('crm-monthly-update'), {});
		expect(result.inputErrors).toEqual([{ path: 'inputs.release', message: 'input "release" is required' }]);
		expect(step(result, 'update').with.bundle).toBe('crm-');
	});

	it('fills declared defaults and resolves them into the parameters', () => {
		const result = dryRun(builtIn('crm-log-retention'));
		expect(result.inputs).toEqual({ olderThan: '2y' });
		expect(step(result, 'archive').with.olderThan).toBe('2y');
		expect(step(result, 'purge').with.before).toBe('<output of archive.cutoff>');
		// The approval's `show` is a list of paths to read, not templates.
		expect(step(result, 'approve').with.show).toEqual(['steps.archive.outputs']);
	});
});

describe('a dry run of small runbooks', () => {
	it('puts steps that need the same step in one wave (fan-out), and the join after both', () => {
		const result = dryRun(
			synthetic(`
- { id: start, uses: wait, with: { duration: 1s } }
- { id: left, uses: wait, needs: [start], with: { duration: 1s } }
- { id: right, uses: wait, needs: [start], with: { duration: 1s } }
- { id: middle, uses: wait, needs: [start], with: { duration: 1s } }
- { id: join, uses: wait, needs: [left, right, middle], with: { duration: 1s } }
`)
		);
		expect(result.steps.map((s) => `${s.id}@${s.wave}`)).toEqual(['start@1', 'left@2', 'right@2', 'middle@2', 'join@3']);
	});

	it('skips a step whose `if` is false, lets its dependents run, and says when only a run can tell', () => {
		const result = dryRun(
			synthetic(
				`
- { id: check, uses: sql.check, with: { database: main, query: select true } }
- { id: loud, uses: notify, if: "\${{ inputs.notify }}", with: { to: [role:admin], subject: hi } }
- { id: after, uses: notify, if: "\${{ steps.check.outputs.ok && !steps.loud.outputs.delivered }}", with: { to: [role:admin], subject: "then \${{ steps.loud.outputs.delivered }}" } }
- { id: maybe, uses: notify, if: "\${{ steps.check.outputs.rows[0].n > 3 }}", with: { to: [role:admin], subject: x } }
`,
				'inputs: { notify: { type: boolean, default: false } }'
			)
		);
		expect(outcomes(result)).toEqual({ check: 'succeeds', loud: 'skipped', after: 'succeeds', maybe: 'succeeds' });
		expect(step(result, 'loud')).toMatchObject({ skipReason: 'condition', condition: { value: false } });
		// A skipped step gives no outputs, so reading them gives nothing — which the simulation knows.
		expect(step(result, 'after').condition?.value).toBe(true);
		expect(step(result, 'after').with.subject).toBe('then ');
		expect(step(result, 'maybe').condition?.value).toBe('run_time');
	});

	it('puts an implicit gate before a high-risk step no approval covers, sharing its condition', () => {
		const runbook = synthetic(
			`
- { id: prep, uses: sql.check, with: { database: main, query: select true } }
- { id: wipe, uses: sql.exec, if: "\${{ inputs.really }}", with: { database: main, query: "delete from t where id = $1", params: ["\${{ inputs.id }}"] } }
`,
			'inputs: { really: { type: boolean, default: true }, id: { type: number, default: 7 } }\nwindow: weekend-night'
		);
		const result = dryRun(runbook);
		expect(result.steps.map((s) => [s.id, s.needs])).toEqual(planRun(runbook).map((p) => [p.id, p.needs]));
		expect(result.steps.map((s) => [s.id, s.kind, s.wave, s.outcome])).toEqual([
			['prep', 'step', 1, 'succeeds'],
			['wipe.approval', 'gate', 2, 'approved'],
			['wipe', 'step', 3, 'succeeds']
		]);
		expect(step(result, 'wipe.approval')).toMatchObject({ gateFor: 'wipe', approval: { approvers: ['role:approver'], quorum: 1, implicit: true } });
		expect(step(result, 'wipe').with.params).toEqual([7]);
		expect(step(result, 'wipe').holds).toEqual([{ kind: 'window', window: 'weekend-night' }]);

		const skipped = dryRun(runbook, { inputs: { really: false } });
		expect(outcomes(skipped)).toEqual({ prep: 'succeeds', 'wipe.approval': 'skipped', wipe: 'skipped' });
	});

	it('compensates the steps that succeeded, newest first, and only those', () => {
		const result = dryRun(
			synthetic(
				`
- { id: one, uses: http.request, with: { url: "http://x/1" }, rollback: { uses: http.request, with: { url: "http://x/undo1" } } }
- { id: two, uses: http.request, with: { url: "http://x/2" } }
- { id: three, uses: http.request, with: { url: "http://x/3" }, rollback: { uses: http.request, with: { url: "http://x/undo3?of=\${{ steps.one.outputs.status }}" } } }
- { id: four, uses: http.request, with: { url: "http://x/4" }, rollback: { uses: http.request, with: { url: "http://x/undo4" } } }
- { id: five, uses: http.request, with: { url: "http://x/5" } }
`,
				'onFailure: rollback'
			),
			{ failAt: 'four' }
		);
		expect(result.status).toBe('rolled_back');
		expect(result.rollbacks.map((r) => [r.stepId, r.with.url])).toEqual([
			['three', 'http://x/undo3?of=<output of one.status>'],
			['one', 'http://x/undo1']
		]);
		expect(outcomes(result)).toEqual({ one: 'compensated', two: 'succeeds', three: 'compensated', four: 'fails', five: 'never_starts' });
	});

	it('carries on past a step whose onFailure is continue, and stops at one whose policy is stop', () => {
		const steps = `
- { id: a, uses: notify, with: { to: [role:admin], subject: a } }
- { id: b, uses: notify, onFailure: continue, with: { to: [role:admin], subject: b } }
- { id: c, uses: notify, with: { to: [role:admin], subject: c } }
`;
		const continued = dryRun(synthetic(steps, 'onFailure: rollback'), { failAt: 'b' });
		expect(continued.status).toBe('succeeded');
		expect(continued.continued).toEqual(['b']);
		expect(outcomes(continued)).toEqual({ a: 'succeeds', b: 'fails', c: 'succeeds' });

		const stopped = dryRun(synthetic(steps, 'onFailure: stop'), { failAt: 'c' });
		expect(stopped.status).toBe('failed');
		expect(stopped.failure).toEqual({ stepId: 'c', rejected: false, policy: 'stop' });
	});

	it('after a rejection under continue, skips the high-risk step the approval covered', () => {
		const result = dryRun(
			synthetic(`
- { id: ok, uses: approval, onFailure: continue, with: { approvers: [role:approver, user:kim], quorum: 2 } }
- { id: migrate, uses: postgres.migrate, with: { database: main, bundle: b } }
- { id: tell, uses: notify, with: { to: [role:admin], subject: done } }
`),
			{ reject: ['ok'] }
		);
		expect(result.status).toBe('succeeded');
		expect(outcomes(result)).toEqual({ ok: 'rejected', migrate: 'skipped', tell: 'succeeds' });
		expect(step(result, 'migrate')).toMatchObject({ skipReason: 'no_approval', approvals: ['ok'] });
		expect(step(result, 'ok').approval).toMatchObject({ approvers: ['role:approver', 'user:kim'], quorum: 2 });
	});

	it('cancels an approval that was waiting in the wave where another branch failed', () => {
		const result = dryRun(
			synthetic(`
- { id: root, uses: notify, with: { to: [role:admin], subject: r } }
- { id: ask, uses: approval, needs: [root], with: { approvers: [role:approver] } }
- { id: work, uses: http.request, needs: [root], with: { url: "http://x" } }
- { id: last, uses: notify, needs: [ask, work], with: { to: [role:admin], subject: l } }
`),
			{ failAt: 'work' }
		);
		expect(outcomes(result)).toEqual({ root: 'succeeds', ask: 'cancelled', work: 'fails', last: 'never_starts' });
		expect(result.status).toBe('failed');
	});

	it('describes a forEach step by its items and limits, with the forEach outputs', () => {
		const result = dryRun(
			synthetic(`
- id: each
  uses: http.check
  forEach: { items: [a, b, c], maxConcurrency: 2, maxErrors: 1 }
  with: { url: "http://x/\${{ item }}" }
`)
		);
		expect(step(result, 'each')).toMatchObject({ forEach: { items: 3, maxConcurrency: 2, maxErrors: 1 }, outputs: ['results', 'succeeded', 'failed'], with: { url: 'http://x/<item>' } });
	});
});

describe('finally steps in the dry run', () => {
	const yaml = (extra: string) =>
		runbookSchema.parse(
			parseYaml(`apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: fin, title: Fin }\nspec:\n  notifyOnFailure: [role:admin]\n  steps:\n    - { id: a, uses: sql.check, with: { database: main, query: "select true" } }\n  finally:\n    - { id: always, uses: notify, with: { to: [role:admin], subject: "ended \${{ run.status }}" } }\n${extra}`)
		);

	it('runs them after the run, sees how it ended, and sends the failure notice only when it did not succeed', () => {
		const ok = dryRun(yaml(''));
		expect(ok.finally.map((s) => [s.id, s.outcome])).toEqual([
			['always', 'succeeds'],
			['notify.on-failure', 'skipped']
		]);
		expect(ok.finally[0].with.subject).toBe('ended succeeded');
		const failed = dryRun(yaml(''), { failAt: 'a' });
		expect(failed.status).toBe('failed');
		expect(failed.finally.map((s) => [s.id, s.outcome])).toEqual([
			['always', 'succeeds'],
			['notify.on-failure', 'succeeds']
		]);
	});
});
