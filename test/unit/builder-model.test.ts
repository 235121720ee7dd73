import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stepWithJsonSchema } from '../../runbooks/json-schema.ts';
import { STEP_FACTS } from '../../runbooks/step-facts.ts';
import { stepGraph } from '../../runbooks/graph.ts';
import { parseDocument as parseRunbook } from '../../runbooks/parse.ts';
import { applyOp, blankRunbook, readGraph, upstreamOf, type BuilderGraph, type BuilderOp } from '../../web/src/lib/builder/model.ts';
import type { StepTypeInfo } from '../../web/src/lib/builder/types.ts';

const STEP_TYPES: StepTypeInfo[] = STEP_FACTS.map((facts) => ({ ...facts, withSchema: stepWithJsonSchema(facts.uses) ?? {} }));

function graphOf(source: string): BuilderGraph {
	const result = readGraph(source);
	if (!result.ok) throw new Error(`not readable: ${result.message}\n${source}`);
	return result.graph;
}

function apply(source: string, op: BuilderOp): { source: string; selected: string | null } {
	const result = applyOp(source, op, STEP_TYPES);
	if (!result.ok) throw new Error(`${op.kind} refused: ${result.message}\n${source}`);
	return result;
}

/** Edges as `a>b` (explicit) or `a~b` (implicit), sorted, for compact comparisons. */
function edgesOf(source: string): string[] {
	return graphOf(source)
		.edges.map((e) => `${e.source}${e.implicit ? '~' : '>'}${e.target}`)
		.sort();
}

/** The dependencies as a set of `a->b`, whatever form (implicit or explicit) they take. */
function dependencySet(source: string): string[] {
	return graphOf(source)
		.edges.map((e) => `${e.source}->${e.target}`)
		.sort();
}

function idsOf(source: string): string[] {
	return graphOf(source).steps.map((s) => s.step.id);
}

function runbook(steps: string): string {
	return `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: demo, title: Demo }\nspec:\n  steps:\n${steps}`;
}

const CHAIN = runbook(`    # first, a backup
    - id: backup
      uses: postgres.backup
      with: { database: main } # the main database
    - id: check
      uses: sql.check
      with:
        database: main
        query: "select true"
    - id: notify
      uses: notify
      with: { to: [role:member], subject: "Backup \${{ steps.backup.outputs.backupId }} done" }
`);

describe('readGraph', () => {
	it('reads steps with their lines, implicit and explicit edges', () => {
		const source = runbook(`    - id: a
      uses: wait
    - id: b
      uses: wait
    - id: c
      uses: wait
      needs: [a]
    - id: d
      uses: wait
      needs: []
    - id: e
      uses: wait
      needs: [b, c, ghost]
`);
		const graph = graphOf(source);
		expect(graph.steps.map((s) => [s.step.id, s.index, s.line])).toEqual([
			['a', 0, 6],
			['b', 1, 8],
			['c', 2, 10],
			['d', 3, 13],
			['e', 4, 16]
		]);
		expect(edgesOf(source)).toEqual(['a>c', 'a~b', 'b>e', 'c>e']);
	});

	it('reports a YAML syntax error with its line', () => {
		const result = readGraph('spec:\n  steps:\n    - id: a\n   uses: [unclosed\n');
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.line).toBeGreaterThan(0);
	});

	it('takes an empty or missing step list as no steps, and leaves out steps without an id or with a repeated one', () => {
		expect(graphOf(blankRunbook('x', 'X')).steps).toEqual([]);
		expect(graphOf('apiVersion: tend/v1\n').steps).toEqual([]);
		const source = runbook('    - uses: wait\n    - id: a\n      uses: wait\n    - id: a\n      uses: notify\n');
		expect(graphOf(source).steps.map((s) => [s.step.id, s.step.uses, s.index])).toEqual([['a', 'wait', 1]]);
	});

	it('refuses a steps field that is not a list', () => {
		expect(readGraph('spec:\n  steps: 3\n').ok).toBe(false);
	});
});

describe('blankRunbook', () => {
	it('is a runbook with an empty step list that the validator rejects only for having no step', () => {
		const source = blankRunbook('nightly-check', 'Nightly: check "things"');
		expect(parse(source)).toEqual({ apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: 'nightly-check', title: 'Nightly: check "things"' }, spec: { steps: [] } });
		const result = parseRunbook(source);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.errors.map((e) => e.message).join('\n')).toMatch(/at least one step/);
	});
});

describe('add', () => {
	it('names steps after their type and prefills required fields', () => {
		let source = blankRunbook('demo', 'Demo');
		const first = apply(source, { kind: 'add', uses: 'postgres.backup' });
		expect(first.selected).toBe('backup');
		source = apply(first.source, { kind: 'add', uses: 'postgres.backup' }).source;
		expect(idsOf(source)).toEqual(['backup', 'backup_2']);
		const doc = parse(source);
		expect(doc.spec.steps[0]).toEqual({ id: 'backup', uses: 'postgres.backup', with: { database: '' } });
		expect(source).not.toMatch(/steps: \[/);
		expect(edgesOf(source)).toEqual(['backup~backup_2']);
	});

	it('inserts after a step, into its chain', () => {
		const source = apply(CHAIN, { kind: 'add', uses: 'approval', after: 'backup' }).source;
		expect(idsOf(source)).toEqual(['backup', 'approval', 'check', 'notify']);
		expect(dependencySet(source)).toEqual(['approval->check', 'backup->approval', 'check->notify']);
		expect(parse(source).spec.steps[1].with).toEqual({ approvers: [] });
	});

	it('refuses an unknown type or an unknown anchor', () => {
		expect(applyOp(CHAIN, { kind: 'add', uses: 'nope' }, STEP_TYPES).ok).toBe(false);
		expect(applyOp(CHAIN, { kind: 'add', uses: 'wait', after: 'ghost' }, STEP_TYPES).ok).toBe(false);
	});

	it('keeps comments and the rest of the document as written', () => {
		const source = apply(CHAIN, { kind: 'add', uses: 'wait' }).source;
		expect(source.startsWith(CHAIN.trimEnd())).toBe(true);
		expect(source).toContain('# first, a backup');
		expect(source).toContain('# the main database');
	});
});

describe('remove', () => {
	it('drops the step and its needs entries; a step that waited only for it waits for what it waited for', () => {
		const source = runbook(`    - id: a
      uses: wait
    - id: b
      uses: wait
      needs: [a]
    - id: c
      uses: wait
      needs: [b]
    - id: d
      uses: wait
      needs: [b, a]
`);
		const next = apply(source, { kind: 'remove', id: 'b' });
		expect(next.selected).toBeNull();
		expect(idsOf(next.source)).toEqual(['a', 'c', 'd']);
		expect(dependencySet(next.source)).toEqual(['a->c', 'a->d']);
		expect(parse(next.source).spec.steps[2].needs).toEqual(['a']);
	});

	it('keeps an implicit chain a chain, and a step after a parallel start parallel', () => {
		expect(dependencySet(apply(CHAIN, { kind: 'remove', id: 'check' }).source)).toEqual(['backup->notify']);
		const source = runbook('    - id: a\n      uses: wait\n    - id: b\n      uses: wait\n      needs: []\n    - id: c\n      uses: wait\n');
		const next = apply(source, { kind: 'remove', id: 'b' }).source;
		expect(dependencySet(next)).toEqual([]);
		expect(parse(next).spec.steps[1].needs).toEqual([]);
	});

	it('can empty the list', () => {
		let source = CHAIN;
		for (const id of ['notify', 'backup', 'check']) source = apply(source, { kind: 'remove', id }).source;
		expect(graphOf(source).steps).toEqual([]);
		expect(parse(source).spec.steps).toEqual([]);
	});
});

describe('update', () => {
	it('replaces the step, keeping comments on what did not change', () => {
		const step = { ...graphOf(CHAIN).steps[1].step, timeout: '5m', with: { database: 'main', query: 'select 1 = 1' } };
		const next = apply(CHAIN, { kind: 'update', id: 'check', step });
		expect(next.selected).toBe('check');
		expect(parse(next.source).spec.steps[1]).toEqual(step);
		expect(next.source).toContain('# the main database');
		expect(next.source).toContain('# first, a backup');
	});

	it('renames: needs entries and steps.<id> references follow, other text does not', () => {
		const source = runbook(`    - id: backup
      uses: postgres.backup
      with: { database: main }
    - id: approve
      uses: approval
      needs: [backup]
      with:
        approvers: [role:approver]
        message: "Backup steps.backup \${{ steps.backup.outputs.path }} or \${{ steps.backup_2.outputs.path }}"
        show: [steps.backup.outputs]
`);
		const step = { ...graphOf(source).steps[0].step, id: 'dump' };
		const next = apply(source, { kind: 'update', id: 'backup', step });
		expect(next.selected).toBe('dump');
		const approve = parse(next.source).spec.steps[1];
		expect(approve.needs).toEqual(['dump']);
		expect(approve.with.message).toBe('Backup steps.backup ${{ steps.dump.outputs.path }} or ${{ steps.backup_2.outputs.path }}');
		expect(approve.with.show).toEqual(['steps.dump.outputs']);
		expect(dependencySet(next.source)).toEqual(['dump->approve']);
	});

	it('refuses an empty id or one another step has', () => {
		const step = graphOf(CHAIN).steps[0].step;
		expect(applyOp(CHAIN, { kind: 'update', id: 'backup', step: { ...step, id: 'check' } }, STEP_TYPES).ok).toBe(false);
		expect(applyOp(CHAIN, { kind: 'update', id: 'backup', step: { ...step, id: '' } }, STEP_TYPES).ok).toBe(false);
	});
});

describe('connect and disconnect', () => {
	it('connect makes the target need the source, keeping its implicit dependency', () => {
		const next = apply(CHAIN, { kind: 'connect', source: 'backup', target: 'notify' });
		expect(next.selected).toBe('notify');
		expect(parse(next.source).spec.steps[2].needs).toEqual(['check', 'backup']);
		expect(dependencySet(next.source)).toEqual(['backup->check', 'backup->notify', 'check->notify']);
		// needs sits beside uses
		expect(next.source).toMatch(/uses: notify\n\s+needs: \[check, backup\]\n/);
		expect(next.source).toContain('with: { to: [role:member], subject:');
	});

	it('connect refuses a cycle and a self-loop', () => {
		const cycle = applyOp(CHAIN, { kind: 'connect', source: 'notify', target: 'backup' }, STEP_TYPES);
		expect(cycle.ok).toBe(false);
		if (!cycle.ok) expect(cycle.message).toMatch(/cycle/);
		expect(applyOp(CHAIN, { kind: 'connect', source: 'check', target: 'check' }, STEP_TYPES).ok).toBe(false);
	});

	it('connecting an existing dependency changes nothing', () => {
		expect(apply(CHAIN, { kind: 'connect', source: 'backup', target: 'check' }).source).toBe(CHAIN);
	});

	it('disconnect of an implicit edge starts the step at once; of the last explicit one too', () => {
		const next = apply(CHAIN, { kind: 'disconnect', source: 'backup', target: 'check' }).source;
		expect(parse(next).spec.steps[1].needs).toEqual([]);
		expect(dependencySet(next)).toEqual(['check->notify']);
		const joined = apply(CHAIN, { kind: 'connect', source: 'backup', target: 'notify' }).source;
		const back = apply(joined, { kind: 'disconnect', source: 'backup', target: 'notify' }).source;
		expect(dependencySet(back)).toEqual(dependencySet(CHAIN));
		expect(applyOp(CHAIN, { kind: 'disconnect', source: 'backup', target: 'notify' }, STEP_TYPES).ok).toBe(false);
	});
});

describe('move', () => {
	it('reorders without changing any dependency, writing needs only where needed', () => {
		const next = apply(CHAIN, { kind: 'move', id: 'notify', to: 0 });
		expect(next.selected).toBe('notify');
		expect(idsOf(next.source)).toEqual(['notify', 'backup', 'check']);
		expect(dependencySet(next.source)).toEqual(dependencySet(CHAIN));
		const steps = parse(next.source).spec.steps;
		expect(steps.map((s: { needs?: string[] }) => s.needs)).toEqual([['check'], [], undefined]);
	});

	it('moving back restores the implicit chain', () => {
		const there = apply(CHAIN, { kind: 'move', id: 'backup', to: 2 }).source;
		const back = apply(there, { kind: 'move', id: 'backup', to: 0 }).source;
		expect(dependencySet(back)).toEqual(dependencySet(CHAIN));
		expect(idsOf(back)).toEqual(idsOf(CHAIN));
		expect(back).toContain('# first, a backup');
	});

	it('clamps the target position', () => {
		expect(idsOf(apply(CHAIN, { kind: 'move', id: 'backup', to: 99 }).source)).toEqual(['check', 'notify', 'backup']);
	});
});

describe('upstreamOf', () => {
	it('is transitive through implicit and explicit edges', () => {
		const graph = graphOf(apply(CHAIN, { kind: 'add', uses: 'wait' }).source);
		expect(upstreamOf(graph, 'wait').sort()).toEqual(['backup', 'check', 'notify']);
		expect(upstreamOf(graph, 'backup')).toEqual([]);
	});
});

describe('any sequence of operations', () => {
	const uses = fc.constantFrom('postgres.backup', 'sql.check', 'notify', 'approval', 'wait');
	const stepRef = fc.nat(30);
	const opArbitrary = fc.oneof(
		fc.record({ kind: fc.constant('add' as const), uses, after: fc.option(stepRef) }),
		fc.record({ kind: fc.constant('remove' as const), id: stepRef }),
		fc.record({ kind: fc.constant('connect' as const), source: stepRef, target: stepRef }),
		fc.record({ kind: fc.constant('disconnect' as const), source: stepRef, target: stepRef }),
		fc.record({ kind: fc.constant('move' as const), id: stepRef, to: fc.nat(30) }),
		fc.record({ kind: fc.constant('rename' as const), id: stepRef, suffix: fc.constantFrom('x', 'y', 'z') })
	);

	it('never leaves a dangling needs entry or a cycle, and move keeps the dependencies', () => {
		fc.assert(
			fc.property(fc.array(opArbitrary, { maxLength: 40 }), (ops) => {
				let source = blankRunbook('demo', 'Demo');
				for (const raw of ops) {
					const ids = idsOf(source);
					const pick = (n: number | null) => (n === null || !ids.length ? null : ids[n % ids.length]);
					let op: BuilderOp;
					if (raw.kind === 'add') op = { kind: 'add', uses: raw.uses, after: pick(raw.after) };
					else if (!ids.length) continue;
					else if (raw.kind === 'remove' || raw.kind === 'move') op = raw.kind === 'remove' ? { kind: 'remove', id: pick(raw.id)! } : { kind: 'move', id: pick(raw.id)!, to: raw.to % ids.length };
					else if (raw.kind === 'rename') {
						const id = pick(raw.id)!;
						const step = graphOf(source).steps.find((s) => s.step.id === id)!.step;
						op = { kind: 'update', id, step: { ...step, id: `${id}${raw.suffix}` } };
					} else op = { kind: raw.kind, source: pick(raw.source)!, target: pick(raw.target)! };
					const before = dependencySet(source);
					const result = applyOp(source, op, STEP_TYPES);
					if (!result.ok) {
						// Only these are refused: a cycle, a self-loop, a missing edge, a taken id.
						expect(['connect', 'disconnect', 'update']).toContain(op.kind);
						continue;
					}
					source = result.source;
					if (op.kind === 'move') expect(dependencySet(source)).toEqual(before);
				}
				const doc = parse(source) as { spec: { steps: Array<{ id: string; needs?: string[] }> } };
				const ids = new Set(doc.spec.steps.map((s) => s.id));
				expect(ids.size).toBe(doc.spec.steps.length);
				for (const step of doc.spec.steps) for (const need of step.needs ?? []) expect(ids.has(need)).toBe(true);
				expect(stepGraph(doc.spec.steps).cycles).toEqual([]);
			}),
			{ numRuns: 200 }
		);
	});
});

describe('the shipped runbooks', () => {
	it('read as graphs equal to the language’s own', () => {
		for (const file of ['crm-monthly-update', 'crm-nightly-backup', 'crm-data-hygiene']) {
			const source = readFileSync(new URL(`../../runbooks/${file}.yaml`, import.meta.url), 'utf8');
			const graph = graphOf(source);
			const steps = (parse(source) as { spec: { steps: Array<{ id: string; needs?: string[] }> } }).spec.steps;
			const deps = stepGraph(steps).dependencies;
			const expected = deps.flatMap((from, i) => from.map((j) => `${steps[j].id}->${steps[i].id}`)).sort();
			expect(dependencySet(source)).toEqual(expected);
			expect(graph.steps.length).toBe(steps.length);
		}
	});
});
