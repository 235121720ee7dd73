import { describe, expect, it } from 'vitest';
import { STEP_TYPE_BY_USES, STEP_TYPES } from '../../runbooks/catalog.ts';
import { resolveInputs } from '../../runbooks/inputs.ts';
import { parseRunbook } from '../../runbooks/parse.ts';
import { accepted, errorsOf, expectError, expectWellFormed, header, positionOf, runbook } from './runbook-helpers.ts';

/** One example per kind of mistake an author can make, each pinned to its path, line and column. */

const notify = 'uses: notify\n      with: { to: [role:admin], subject: done }';

describe('malformed sources', () => {
	it('points malformed YAML at the line and column the yaml parser reports, with the path around it', () => {
		const source = runbook('  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: "unclosed }\n');
		const [error] = errorsOf(source);
		expect(error.path).toBe('spec.steps[0].with.subject');
		expect(error.message).toBe('Missing closing "quote');
		// The yaml parser notices an unclosed quote where the input ends.
		expect({ line: error.line, column: error.column }).toEqual({ line: source.split('\n').length, column: 1 });
	});

	it('points a tab used as indentation at the tab itself', () => {
		const source = runbook('  steps:\n    - id: a\n\t  uses: notify\n');
		const [error] = errorsOf(source);
		expect(error.message).toMatch(/tab/i);
		expect({ line: error.line, column: error.column }).toEqual(positionOf(source, '\t'));
		expect(error.path).toBe('spec.steps[0]');
	});

	it('points a bad indentation at its line', () => {
		const source = runbook('  steps:\n    - id: a\n   uses: notify\n');
		const [error] = errorsOf(source);
		expect(error.line).toBe(positionOf(source, '   uses').line);
		expectWellFormed(errorsOf(source), source);
	});

	it('refuses duplicate keys instead of silently keeping the last', () => {
		const source = runbook('  steps:\n    - id: a\n      id: b\n      uses: notify\n');
		const [error] = errorsOf(source);
		expect(error.message).toMatch(/unique/i);
		expect({ line: error.line, column: error.column }).toEqual(positionOf(source, 'id: b'));
	});

	it('refuses several documents in one source, an empty source and one that is not a mapping', () => {
		expect(errorsOf(`${runbook(`  steps:\n    - id: a\n      ${notify}\n`)}---\nkind: Runbook\n`)[0].message).toMatch(/multiple documents/i);
		expect(errorsOf('')).toEqual([{ path: '(root)', line: 1, column: 1, message: expect.stringMatching(/empty/) }]);
		expect(errorsOf('# only a comment\n')[0].path).toBe('(root)');
		expect(errorsOf('- a\n- b\n')).toEqual([{ path: '(root)', line: 1, column: 1, message: expect.stringMatching(/mapping/) }]);
		expect(errorsOf('just text')[0].message).toMatch(/mapping/);
	});

	it('refuses an alias bomb rather than expanding it', () => {
		const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
		const errors = errorsOf(bomb);
		expect(errors[0].message).toMatch(/alias/i);
		expectWellFormed(errors, bomb);
	});
});

describe('JSON sources', () => {
	const doc = { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: 'j', title: 'J' }, spec: { steps: [{ id: 'n', uses: 'notify', with: { to: ['role:admin'], subject: 'hi ${{ run.id }}' } }] } };

	it('accepts JSON, compact or pretty-printed with spaces or tabs, as the same document as YAML', () => {
		const fromYaml = accepted(runbook('  steps:\n    - { id: n, uses: notify, with: { to: [role:admin], subject: "hi ${{ run.id }}" } }\n').replace('demo', 'j').replace('Demo', 'J'));
		for (const source of [JSON.stringify(doc), JSON.stringify(doc, null, 2), JSON.stringify(doc, null, '\t')]) expect(accepted(source)).toEqual(fromYaml);
	});

	it('gives JSON errors the line and column of the offending value', () => {
		const bad = structuredClone(doc) as { spec: { steps: Array<{ with: Record<string, unknown> }> } };
		bad.spec.steps[0].with.to = ['nobody'];
		const source = JSON.stringify(bad, null, 2);
		expectError(errorsOf(source), 'spec.steps[0].with.to[0]', 'must be role:NAME, user:USERNAME or an email address', positionOf(source, '"nobody"'));
		const tabs = JSON.stringify(bad, null, '\t');
		expectError(errorsOf(tabs), 'spec.steps[0].with.to[0]', /role:NAME/, positionOf(tabs, '"nobody"'));
	});

	it('points JSON syntax errors at their line', () => {
		const source = JSON.stringify(doc, null, 2).replace('"subject"', '"subject" "x",');
		const errors = errorsOf(source);
		expectWellFormed(errors, source);
		expect(errors[0].line).toBe(positionOf(source, '"subject"').line);
	});
});

describe('step types and their with', () => {
	it('names unknown step types and lists the closest known ones', () => {
		const source = runbook(`  steps:\n    - id: a\n      uses: postgres.bakup\n      with: { database: main }\n`);
		const error = expectError(errorsOf(source), 'spec.steps[0].uses', /^unknown step type "postgres.bakup"; the closest known types are postgres.backup, /, positionOf(source, 'postgres.bakup'));
		expect(error.message.split(', ')).toHaveLength(3);
		const closest = /closest known types are (.+)$/.exec(errorsOf(runbook('  steps:\n    - { id: a, uses: backup }\n'))[0].message)![1].split(', ');
		expect(closest.sort()).toEqual(['backup.prune', 'backup.verify', 'postgres.backup']);
	});

	it('checks a rollback step type as well', () => {
		const source = runbook(`  steps:\n    - id: a\n      uses: postgres.backup\n      with: { database: main }\n      rollback: { uses: notfy, with: { subject: x } }\n`);
		expectError(errorsOf(source), 'spec.steps[0].rollback.uses', /unknown step type "notfy"; the closest known types are notify/, positionOf(source, 'notfy'));
	});

	// Whichever step type is still being built: the catalog fills in over time.
	const unbuilt = STEP_TYPES.find((t) => !t.available);
	it.runIf(unbuilt)('says when a step type exists but cannot run yet', () => {
		const uses = unbuilt!.uses;
		const source = runbook(`  steps:\n    - id: a\n      uses: ${uses}\n      with: {}\n`);
		expect(parseRunbook(source).ok).toBe(false);
		expectError(errorsOf(source), 'spec.steps[0].uses', `step type "${uses}" is not available yet`, positionOf(source, uses));
	});

	it('reports a missing required field of with at the with it belongs in', () => {
		const source = runbook(`  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: s }\n    - id: b\n      uses: notify\n      with: { to: [role:admin], subject: s }\n    - id: c\n      uses: postgres.backup\n      with: { format: custom }\n`);
		expectError(errorsOf(source), 'spec.steps[2].with.database', '"database" is required', positionOf(source, '{ format: custom }'));
	});

	it('reports a missing with altogether the same way', () => {
		const source = runbook('  steps:\n    - id: a\n      uses: backup.verify\n');
		expectError(errorsOf(source), 'spec.steps[0].with.database', '"database" is required', positionOf(source, '- id: a', { shift: 2 }));
	});

	it('points an unknown field of with at its key and suggests the field meant', () => {
		const source = runbook(`  steps:\n    - id: a\n      uses: postgres.backup\n      with:\n        databse: main\n`);
		const errors = errorsOf(source);
		expectError(errors, 'spec.steps[0].with.databse', 'unknown field "databse"; did you mean "database"?', positionOf(source, 'databse'));
		expectError(errors, 'spec.steps[0].with.database', '"database" is required');
	});

	it('names the allowed values of an enum and the type a field needs', () => {
		const source = runbook(`  steps:\n    - id: a\n      uses: postgres.backup\n      with: { database: main, format: zip, jobs: 2.5 }\n    - id: b\n      uses: notify\n      with: { to: role:admin, subject: 7 }\n`);
		const errors = errorsOf(source);
		expectError(errors, 'spec.steps[0].with.format', 'must be one of: custom, directory (or a ${{ }} expression)', positionOf(source, 'zip'));
		expectError(errors, 'spec.steps[0].with.jobs', /whole number|int/, positionOf(source, '2.5'));
		expectError(errors, 'spec.steps[1].with.to', 'must be a list or a ${{ }} expression, not a string', positionOf(source, 'role:admin, subject'));
		expectError(errors, 'spec.steps[1].with.subject', 'must be a string, not a number', positionOf(source, '7 }'));
	});

	it('accepts an expression wherever a typed value is expected, and checks the static part of templated strings', () => {
		const spec = `  inputs:\n    jobs: { type: number }\n    format: { type: string }\n    owner: { type: string }\n    people: { type: string }\n  steps:\n    - id: a\n      uses: postgres.backup\n      with: { database: "\${{ inputs.format }}-db", format: "\${{ inputs.format }}", jobs: "\${{ inputs.jobs }}" }\n    - id: b\n      uses: notify\n      with: { to: ["user:\${{ inputs.owner }}", "\${{ inputs.owner }}@example.com", "\${{ inputs.people }}"], subject: "\${{ steps.a.outputs.sizeBytes }}" }\n    - id: c\n      uses: notify\n      with: { to: "\${{ inputs.people }}", subject: s }\n`;
		accepted(runbook(spec));
		const source = runbook(spec.replace('"user:${{ inputs.owner }}"', '"owner:${{ inputs.owner }}"').replace('jobs: "${{ inputs.jobs }}"', 'jobs: "${{ inputs.jobs }} jobs"'));
		const errors = errorsOf(source);
		expectError(errors, 'spec.steps[1].with.to[0]', 'must be role:NAME, user:USERNAME or an email address', positionOf(source, '"owner:'));
		expectError(errors, 'spec.steps[0].with.jobs', /must be a number|must be exactly one/, positionOf(source, '"${{ inputs.jobs }} jobs"'));
	});

	it('suggests the field meant inside nested mappings too', () => {
		const source = runbook(`  steps:\n    - id: ask\n      uses: approval\n      with: { approvers: [role:approver], escalate: [{ aftr: 1h, to: role:lead }] }\n`);
		expectError(errorsOf(source), 'spec.steps[0].with.escalate[0].aftr', 'unknown field "aftr"; did you mean "after"?', positionOf(source, 'aftr'));
	});

	it('checks each DESIGN §4 contract: approval, manual and wait', () => {
		const source = runbook(
			`  steps:\n    - id: ask\n      uses: approval\n      with: { approvers: [lead], quorum: 0, onTimeout: retry, escalate: [{ after: soon, to: role:lead }], fourEyes: maybe }\n    - id: list\n      uses: manual\n      with: { checklist: [] }\n    - id: pause\n      uses: wait\n      with: { duration: 1h, window: weekend }\n`
		);
		const errors = errorsOf(source);
		expectError(errors, 'spec.steps[0].with.approvers[0]', 'must be role:NAME or user:USERNAME', positionOf(source, 'lead]'));
		expectError(errors, 'spec.steps[0].with.quorum', 'must be at least 1', positionOf(source, '0,'));
		expectError(errors, 'spec.steps[0].with.onTimeout', 'must be one of: fail, skip (or a ${{ }} expression)', positionOf(source, 'retry'));
		expectError(errors, 'spec.steps[0].with.escalate[0].after', /duration/, positionOf(source, 'soon'));
		expectError(errors, 'spec.steps[0].with.fourEyes', 'must be a boolean or a ${{ }} expression, not a string', positionOf(source, 'maybe'));
		expectError(errors, 'spec.steps[1].with.checklist', 'must hold at least one item', positionOf(source, '[] }'));
		expectError(errors, 'spec.steps[2].with', 'a wait takes exactly one of duration, until or window', positionOf(source, '{ duration: 1h'));
	});
});

describe('SQL steps take one statement', () => {
	const sqlStep = (uses: string, query: string, extra = '') => runbook(`  steps:\n    - id: q\n      uses: ${uses}\n      risk: low\n      with:\n        database: main\n        query: ${query}\n${extra}`);

	it('refuses two statements in a literal sql.exec query at the query field, saying what to use instead', () => {
		const source = sqlStep('sql.exec', '|\n          update accounts set city = $1;\n          delete from accounts where city is null;');
		const [error, ...rest] = errorsOf(source);
		expect(rest).toEqual([]);
		expect(error.path).toBe('spec.steps[0].with.query');
		expect(error.line).toBe(positionOf(source, 'query:').line);
		expect(error.message).toBe(
			'sql.exec runs exactly one SQL statement, and this query holds 2 (the second starts on its line 2): give each statement a sql.exec step of its own, or put them in a migration bundle and apply it with postgres.migrate (one transaction, with a ledger and a down.sql)'
		);
	});

	it('refuses them in sql.check and in a rollback too', () => {
		const check = errorsOf(sqlStep('sql.check', '"select true; delete from accounts"'));
		expect(check.map((e) => [e.path, e.message])).toEqual([['spec.steps[0].with.query', expect.stringMatching(/^sql\.check runs exactly one SQL statement, and this query holds 2 .*give each check a sql\.check step of its own$/)]]);
		const rollback = errorsOf(sqlStep('sql.exec', '"update a set b = 1"', '      rollback:\n        uses: sql.exec\n        with: { database: main, query: "update a set b = 0; update a set c = 0" }\n'));
		expect(rollback.map((e) => e.path)).toEqual(['spec.steps[0].rollback.with.query']);
	});

	it('counts statements as psql does: a closing semicolon, and semicolons in quotes, comments and dollar quotes, are not a second one', () => {
		const block = (...lines: string[]) => `|\n${lines.map((line) => `          ${line}`).join('\n')}`;
		for (const query of [block('select 1;'), block("select ';' as x -- ; not this", 'from t;'), block('select $$a;b$$'), block('/* ; */ select 1 ;')]) accepted(sqlStep('sql.exec', query));
	});

	it('leaves a query built by an expression to run time, where it cannot be known before', () => {
		accepted(runbook('  inputs:\n    sql: { type: string }\n  steps:\n    - { id: q, uses: sql.exec, risk: low, with: { database: main, query: "${{ inputs.sql }}" } }\n'));
	});
});

describe('step ids and needs', () => {
	it('refuses duplicate ids, pointing at the second', () => {
		const source = runbook(`  steps:\n    - id: a\n      ${notify}\n    - id: a\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[1].id', 'duplicate step id "a" (first used by steps[0])', positionOf(source, 'id: a', { occurrence: 2, shift: 4 }));
	});

	it('refuses needs naming a step that does not exist, suggesting the one meant', () => {
		const source = runbook(`  steps:\n    - id: backup\n      uses: postgres.backup\n      with: { database: main }\n    - id: tell\n      needs: [bakup]\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[1].needs[0]', 'needs unknown step "bakup"; did you mean "backup"?', positionOf(source, 'bakup'));
	});

	it('names a cycle in needs, step by step', () => {
		const source = runbook(`  steps:\n    - id: a\n      needs: [b]\n      ${notify}\n    - id: b\n      needs: [a]\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[0].needs[0]', 'needs form a cycle: a → b → a', positionOf(source, '[b]', { shift: 1 }));
	});

	it('names a step that needs itself', () => {
		const source = runbook(`  steps:\n    - id: a\n      ${notify}\n    - id: b\n      needs: [a, b]\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[1].needs[1]', 'needs form a cycle: b → b', positionOf(source, 'b]'));
	});

	it('counts the implicit "follows the step before" when it closes a cycle, and says so', () => {
		const source = runbook(`  steps:\n    - id: a\n      needs: [c]\n      ${notify}\n    - id: b\n      ${notify}\n    - id: c\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[0].needs[0]', 'needs form a cycle: a → c → b → a (a step without needs follows the one listed before it)', positionOf(source, '[c]', { shift: 1 }));
	});

	it('accepts parallel branches joined by needs, and needs: [] as a second root', () => {
		accepted(runbook(`  steps:\n    - id: a\n      ${notify}\n    - id: b\n      needs: []\n      ${notify}\n    - id: c\n      needs: [a, b]\n      with: { to: [role:admin], subject: "\${{ steps.a.outputs.delivered }} \${{ steps.b.outputs.delivered }}" }\n      uses: notify\n`));
	});
});

describe('expressions', () => {
	const twoBranches = (subject: string, extra = '') =>
		runbook(
			`${extra}  steps:\n    - id: backup\n      uses: postgres.backup\n      with: { database: main }\n    - id: side\n      needs: []\n      ${notify}\n    - id: tell\n      needs: [backup]\n      uses: notify\n      with: { to: [role:admin], subject: "${subject}" }\n`
		);

	it('points a syntax error at the offending token inside the expression', () => {
		const source = twoBranches('size ${{ steps.backup.outputs.sizeBytes = 1 }}');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', 'use == to compare (= alone assigns, which expressions never do) (in ${{ steps.backup.outputs.sizeBytes = 1 }})', positionOf(source, '= 1'));
	});

	it('reports an expression that never closes, and one with nothing in it', () => {
		let source = twoBranches('size ${{ steps.backup.outputs.sizeBytes');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', /never closed/, positionOf(source, '${{'));
		source = twoBranches('size ${{ }}');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', /empty/, positionOf(source, ' }}', { shift: 1 }));
	});

	it('refuses names that are not a root of the context: no code, no globals', () => {
		const source = twoBranches('${{ process.env.HOME }}');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', /"process" is not something an expression can read: a path must start with inputs, steps, target, run or item/, positionOf(source, 'process'));
	});

	it('refuses unknown steps, with a suggestion', () => {
		const source = twoBranches('${{ steps.bakup.outputs.backupId }}');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', 'expression reads unknown step "bakup"; did you mean "backup"?', positionOf(source, 'steps.bakup'));
	});

	it('refuses outputs the step type does not declare, listing the close ones', () => {
		const source = twoBranches('${{ steps.backup.outputs.backupID }}');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', 'step "backup" (postgres.backup) has no output "backupID"; did you mean "backupId"?', positionOf(source, 'steps.backup'));
		expectError(errorsOf(twoBranches('${{ steps.backup.result }}')), 'spec.steps[2].with.subject', 'a step exposes only its outputs: write steps.backup.outputs.<name>');
	});

	it('refuses unknown inputs, and names the declared ones', () => {
		const source = twoBranches('${{ inputs.relase }}', '  inputs:\n    release: { type: string, required: true }\n');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', 'expression reads unknown input "relase"; did you mean "release"?', positionOf(source, 'inputs.relase'));
	});

	it('refuses a step that is not upstream: on a parallel branch, or later', () => {
		let source = twoBranches('${{ steps.side.outputs.delivered }}');
		expectError(errorsOf(source), 'spec.steps[2].with.subject', 'expression reads step "side", which is not upstream of "tell": add "side" to its needs', positionOf(source, 'steps.side'));
		source = runbook(`  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: "\${{ steps.b.outputs.delivered }}" }\n    - id: b\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[0].with.subject', 'expression reads step "b", which runs later', positionOf(source, 'steps.b'));
	});

	it('lets a step read neither its own outputs nor the future, but its rollback may read them', () => {
		const own = runbook(`  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: "\${{ steps.a.outputs.delivered }}" }\n`);
		expectError(errorsOf(own), 'spec.steps[0].with.subject', 'step "a" cannot read its own outputs: they do not exist until it has finished', positionOf(own, 'steps.a'));
		accepted(runbook(`  steps:\n    - id: a\n      uses: postgres.backup\n      with: { database: main }\n      rollback: { uses: notify, with: { to: [role:admin], subject: "undo \${{ steps.a.outputs.backupId }}" } }\n`));
	});

	it('checks `if`, forEach items and rollback expressions too', () => {
		const source = runbook(
			`  steps:\n    - id: a\n      ${notify}\n    - id: b\n      if: "\${{ steps.a.outputs.sent }}"\n      forEach: { items: "\${{ inputs.list }}" }\n      uses: notify\n      with: { to: ["\${{ item }}"], subject: s }\n      rollback: { uses: notify, with: { to: [role:admin], subject: "\${{ steps.zz.outputs.x }}" } }\n`
		);
		const errors = errorsOf(source);
		expectError(errors, 'spec.steps[1].if', /has no output "sent"/, positionOf(source, 'steps.a.outputs.sent'));
		expectError(errors, 'spec.steps[1].forEach.items', /unknown input "list"/, positionOf(source, 'inputs.list'));
		expectError(errors, 'spec.steps[1].rollback.with.subject', /unknown step "zz"/, positionOf(source, 'steps.zz'));
	});

	it('requires `if` to be exactly one expression, since any other text is always true', () => {
		const source = runbook(`  steps:\n    - id: a\n      ${notify}\n    - id: b\n      if: "ok: \${{ steps.a.outputs.delivered }}"\n      ${notify}\n`);
		expectError(errorsOf(source), 'spec.steps[1].if', /exactly one \$\{\{ \}\} expression/, positionOf(source, '"ok:'));
	});

	it('allows item only in a forEach step, and reads forEach outputs by their own contract', () => {
		let source = runbook(`  steps:\n    - id: a\n      uses: notify\n      with: { to: ["\${{ item }}"], subject: s }\n`);
		expectError(errorsOf(source), 'spec.steps[0].with.to[0]', 'item exists only inside the with of a forEach step', positionOf(source, 'item }}'));
		accepted(
			runbook(
				`  steps:\n    - id: each\n      forEach: { items: [role:admin, role:viewer], maxConcurrency: 2, maxErrors: 1 }\n      uses: notify\n      with: { to: ["\${{ item }}"], subject: s }\n    - id: total\n      uses: notify\n      with: { to: [role:admin], subject: "\${{ steps.each.outputs.succeeded }} \${{ steps.each.outputs.results[0].delivered }}" }\n`
			)
		);
		source = runbook(`  steps:\n    - id: each\n      forEach: { items: [1, 2] }\n      ${notify}\n    - id: total\n      uses: notify\n      with: { to: [role:admin], subject: "\${{ steps.each.outputs.delivered }}" }\n`);
		expectError(errorsOf(source), 'spec.steps[1].with.subject', /has no output "delivered"; its outputs: results, succeeded, failed/);
	});

	it('refuses target expressions when the runbook names no target, and fields the run does not have', () => {
		let source = runbook(`  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: "\${{ target.urls.health }}" }\n`);
		expectError(errorsOf(source), 'spec.steps[0].with.subject', 'expression reads target, but the runbook names no target (spec.target)', positionOf(source, 'target.urls'));
		source = runbook(`  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: "\${{ run.initator }}" }\n`);
		expectError(errorsOf(source), 'spec.steps[0].with.subject', 'run has no field "initator"; did you mean "initiator"?', positionOf(source, 'run.initator'));
	});

	it('checks the evidence paths an approval shows', () => {
		const source = runbook(`  steps:\n    - id: a\n      uses: postgres.backup\n      with: { database: main }\n    - id: ask\n      uses: approval\n      with: { approvers: [role:approver], show: [steps.a.outputs, steps.a.outputs.size, "steps.a ==", "\${{ steps.a.outputs.path }}"] }\n`);
		const errors = errorsOf(source);
		expect(errors.filter((e) => e.path.startsWith('spec.steps[1].with.show'))).toHaveLength(2);
		expectError(errors, 'spec.steps[1].with.show[1]', /has no output "size"/, positionOf(source, 'steps.a.outputs.size'));
		expectError(errors, 'spec.steps[1].with.show[2]', /the expression ends where a value was expected/);
	});
});

describe('targets and windows', () => {
	const source = runbook(`  target: crm-demo\n  window: weekend-night\n  steps:\n    - id: pause\n      uses: wait\n      with: { window: weeknd-night }\n    - id: a\n      needs: [pause]\n      ${notify}\n`);

	it('checks names against the registered targets and windows only when the caller gives them', () => {
		expect(parseRunbook(source).ok).toBe(true);
		const errors = errorsOf(source, { targets: ['crm-prod', 'crm-dem0'], windows: ['weekend-night'] });
		expectError(errors, 'spec.target', 'no target named "crm-demo" is registered; did you mean "crm-dem0"?', positionOf(source, 'crm-demo'));
		expectError(errors, 'spec.steps[0].with.window', 'no window named "weeknd-night" is defined; did you mean "weekend-night"?', positionOf(source, 'weeknd-night'));
		expect(errors.some((e) => e.path === 'spec.window')).toBe(false);
		expectError(errorsOf(source, { targets: ['crm-demo'], windows: [] }), 'spec.window', /no window named "weekend-night" is defined/, positionOf(source, 'weekend-night'));
	});
});

describe('inputs when a run starts', () => {
	const document = accepted(
		runbook(`  inputs:\n    release: { type: string, required: true }\n    dry: { type: boolean, default: true }\n    jobs: { type: number }\n  steps:\n    - id: a\n      ${notify}\n`)
	);

	it('reports each missing required input at inputs.<name>', () => {
		expect(resolveInputs(document, {})).toEqual({ ok: false, errors: [{ path: 'inputs.release', message: 'input "release" is required' }] });
		expect(resolveInputs(document, { release: '' })).toEqual({ ok: false, errors: [{ path: 'inputs.release', message: 'input "release" is required' }] });
	});

	it('fills defaults and coerces what the form sent as text', () => {
		expect(resolveInputs(document, { release: '2.4', jobs: '3' })).toEqual({ ok: true, inputs: { release: '2.4', dry: true, jobs: 3 } });
	});
});

it('keeps errors in source order, so the first one reported is the first one in the file', () => {
	const source = `${header}spec:\n  steps:\n    - id: z\n      uses: nope\n    - id: z\n      uses: notify\n      needs: [ghost]\n`;
	const errors = errorsOf(source);
	const positions = errors.map((e) => e.line * 1000 + e.column);
	expect(positions).toEqual([...positions].sort((a, b) => a - b));
	expectWellFormed(errors, source);
});

it('finds nothing wrong with the DESIGN §3 example but the step types that cannot run yet', () => {
	const source = `apiVersion: tend/v1
kind: Runbook
metadata: { name: crm-monthly-update, title: CRM monthly update, tags: [crm] }
spec:
  target: crm-demo
  inputs:
    release: { type: string, required: true }
  concurrency: target
  window: weekend-night
  onFailure: rollback
  steps:
    - id: backup
      uses: postgres.backup
      with: { database: main }
      retry: { maxAttempts: 3, initialInterval: 10s, backoff: 2 }
      timeout: 30m
    - id: approve
      uses: approval
      with: { approvers: [role:approver], quorum: 1, timeout: 4h, onTimeout: fail,
              message: "Apply CRM \${{ inputs.release }}?" }
    - id: update
      uses: postgres.migrate
      risk: high
      with: { database: main, bundle: "crm-\${{ inputs.release }}" }
      rollback:
        uses: postgres.restore
        with: { database: main, backup: "\${{ steps.backup.outputs.backupId }}" }
    - id: verify
      uses: sql.check
      with: { database: main, query: "select count(*) > 0 as ok from customers" }
    - id: smoke
      uses: http.check
      needs: [update]
      with: { url: "\${{ target.urls.health }}", expectStatus: 200, maxLatencyMs: 800 }
    - id: announce
      uses: notify
      needs: [verify, smoke]
      if: "\${{ steps.verify.outputs.ok }}"
      with: { to: [role:member], subject: "CRM updated to \${{ inputs.release }}" }
`;
	const unavailable = new Set(['approval', 'postgres.migrate', 'postgres.restore', 'sql.check', 'http.check'].filter((uses) => !STEP_TYPE_BY_USES.get(uses)?.available));
	const result = parseRunbook(source, { targets: ['crm-demo'], windows: ['weekend-night'] });
	const errors = result.ok ? [] : result.errors;
	expect(errors.every((e) => /^step type "(.+)" is not available yet$/.test(e.message) && unavailable.has(/"(.+)"/.exec(e.message)![1]))).toBe(true);
	expect(errors).toHaveLength(unavailable.size);
});

describe('spec.finally and notifyOnFailure', () => {
	it('checks finally steps like steps, lets them read every step and run.status, and refuses what cannot run after the end', () => {
		const errors = errorsOf(
			runbook(`  notifyOnFailure: [role:admin, ops@example.com]
  steps:
    - { id: backup, uses: postgres.backup, with: { database: main } }
  finally:
    - { id: report, uses: notify, with: { to: [role:admin], subject: "\${{ run.status }} \${{ steps.backup.outputs.backupId }}" } }
    - { id: backup, uses: notify, with: { to: [role:admin], subject: x } }
    - { id: ask, uses: approval, with: { approvers: [role:approver] } }
    - { id: wipe, uses: sql.exec, with: { database: main, query: "delete from t" } }
    - { id: late, uses: notify, needs: [nowhere], with: { to: [role:admin], subject: "\${{ steps.late.outputs.delivered }}" } }
`)
		);
		expect(errors.map((e) => e.path)).toEqual(['spec.finally[1].id', 'spec.finally[2].uses', 'spec.finally[3].risk', 'spec.finally[4].needs[0]', 'spec.finally[4].with.subject']);
		expectError(errors, 'spec.finally[2].uses', /a finally step cannot be approval/);
		expectError(errors, 'spec.finally[3].risk', /runs without approval/);
		expectError(errors, 'spec.finally[4].with.subject', /cannot read its own outputs/);
	});
});
