import { IMPLICIT_GATE } from '../workflows/approvals.ts';
import { plan, riskOf, wavesOf, type PlanNode } from './dry-run-plan.ts';
import { finallySteps } from './run-model.ts';
import { conditionOf, resolveText, resolveValue, resolveWith, type Simulation } from './dry-run-expressions.ts';
import { givenValue, resolveInputs } from './inputs.ts';
import type { DocumentError } from './parse.ts';
import type { FailurePolicy, RunbookDocument, RunbookStep } from './schema.ts';
import { FOR_EACH_OUTPUTS, STEP_FACTS_BY_USES, type Risk } from './step-facts.ts';

/**
 * A dry run (DESIGN §3, §6): the walk workflows/runbook-run.ts would take through a runbook, with
 * simulated results and no side effects. It follows the interpreter's rules — the plan's implicit
 * approval gates before high-risk steps, `if` (a gate shares its step's), high-risk steps skipped
 * when no approval on their path was given, onFailure per step or for the runbook (a gate's is the
 * runbook's), compensation of completed steps in reverse order of completion — so that what it
 * tells an author is what a run would do. Pure: the builder runs it in the browser on every edit.
 *
 * Steps take equal time here, so they run in waves: a step's wave is one more than the latest of
 * the steps it needs. A failure stops what has not started; the other steps of its wave were
 * already running and finish (a real run lets them), while approvals and other waits among them
 * end cancelled, as the run's stop ends them.
 */
export interface DryRunScenario {
	inputs?: Record<string, unknown>;
	/** The step (or gate) whose work fails. */
	failAt?: string;
	/** Approval steps and gates (`<step>.approval`) that an approver rejects. */
	reject?: readonly string[];
}

export type DryRunOutcome = 'succeeds' | 'approved' | 'skipped' | 'fails' | 'rejected' | 'cancelled' | 'never_starts' | 'compensated';
export type DryRunStatus = 'succeeded' | 'failed' | 'rolled_back';

export interface DryRunApproval {
	approvers: unknown[];
	quorum: unknown;
	timeout?: unknown;
	onTimeout: unknown;
	/** True for the gate the plan puts before a high-risk step that no approval step covers. */
	implicit: boolean;
}

export interface DryRunStep {
	id: string;
	kind: 'step' | 'gate';
	uses: string;
	name?: string;
	/** For a gate: the high-risk step it asks about. */
	gateFor?: string;
	/** 1-based: steps of one wave run side by side. */
	wave: number;
	needs: string[];
	risk: Risk;
	outcome: DryRunOutcome;
	/** The `if` and what it gives: a boolean, or 'run_time' when it reads what only a run knows. */
	condition?: { text: string; value: boolean | 'run_time' };
	skipReason?: 'condition' | 'no_approval';
	/** For a skip for want of approval: the approvals on its path. */
	approvals?: string[];
	approval?: DryRunApproval;
	/** `with`, inputs resolved; what only a run knows is shown as `<output of backup.backupId>` and the like. */
	with: Record<string, unknown>;
	/** The names of the outputs it would give (the catalog's). */
	outputs: string[];
	forEach?: { items: unknown; maxConcurrency: number; maxErrors: number };
	/** Holds a risky step waits out before it starts: the runbook's maintenance window. */
	holds: Array<{ kind: 'window'; window: string }>;
	onFailure: FailurePolicy;
	rollback?: { uses: string; with: Record<string, unknown> };
}

export interface DryRunRollback {
	stepId: string;
	uses: string;
	with: Record<string, unknown>;
}

export interface DryRunResult {
	status: DryRunStatus;
	/** The inputs as a run would get them: given values over the declared defaults. */
	inputs: Record<string, unknown>;
	/** Inputs a real start would refuse (missing, wrong type); the dry run carries on without them. */
	inputErrors: DocumentError[];
	/** Every step and gate, in the order they would start. */
	steps: DryRunStep[];
	waves: number;
	/** The failure that ended the run: which step, whether it was a rejection, and the policy applied. */
	failure?: { stepId: string; rejected: boolean; policy: FailurePolicy };
	/** Steps that failed under `continue`: the run carried on past them. */
	continued: string[];
	/** Compensations, in the order they would run. */
	rollbacks: DryRunRollback[];
	/** What can hold the run or its risky steps before they start. */
	holds: { concurrency?: string; window?: string; freeze?: string };
	/** `spec.finally` (and the failure notice of `notifyOnFailure`): after the run ends with `status`, in order. */
	finally: DryRunStep[];
}

// The plan names its gates; callers know them through this module, with the rest of the dry run.
export { dryRunGateId } from './dry-run-plan.ts';

const WAITS_FOR_PEOPLE_OR_TIME = new Set(['approval', 'manual', 'wait']);

/**
 * Outputs whose value a successful step implies: a passing `sql.check` gave `ok: true`. Every other
 * output is known only to a run.
 */
function impliedOutputs(step: RunbookStep): Record<string, unknown> {
	if (step.uses === 'sql.check' && !step.forEach) return { ok: true };
	return {};
}

function approvalOf(node: PlanNode, params: Record<string, unknown>): DryRunApproval | undefined {
	if (node.kind === 'gate') {
		const gate = IMPLICIT_GATE as { approvers: string[]; quorum: number };
		return { approvers: [...gate.approvers], quorum: gate.quorum, onTimeout: 'fail', implicit: true };
	}
	if (node.step.uses !== 'approval') return undefined;
	const approvers = Array.isArray(params.approvers) ? params.approvers : params.approvers === undefined ? [] : [params.approvers];
	const timeout = params.timeout ?? node.step.timeout;
	return { approvers, quorum: params.quorum ?? 1, ...(timeout !== undefined ? { timeout } : {}), onTimeout: params.onTimeout ?? 'fail', implicit: false };
}

function outputsOf(step: RunbookStep): string[] {
	if (step.forEach) return [...FOR_EACH_OUTPUTS];
	return [...(STEP_FACTS_BY_USES.get(step.uses)?.outputs ?? [])];
}

export function dryRun(runbook: RunbookDocument, scenario: DryRunScenario = {}): DryRunResult {
	const given = scenario.inputs ?? {};
	const resolved = resolveInputs(runbook, given);
	const inputs = resolved.ok ? resolved.inputs : fallbackInputs(runbook, given);
	const simulation: Simulation = {
		context: { inputs, steps: {}, target: {}, run: { runbook: runbook.metadata.name } },
		known: new Map()
	};
	const rejected = new Set(scenario.reject ?? []);
	const nodes = plan(runbook);
	const waves = wavesOf(nodes);
	const order = nodes.map((node, index) => ({ node, index, wave: waves.get(node.id)! })).sort((a, b) => a.wave - b.wave || a.index - b.index);
	const window = runbook.spec.window;

	const entries = new Map<string, DryRunStep>();
	const completed: RunbookStep[] = [];
	const stops: Array<{ stepId: string; rejected: boolean; policy: FailurePolicy }> = [];
	const continued: string[] = [];
	let stoppedAtWave: number | undefined;

	for (const { node, wave } of order) {
		const step = node.kind === 'gate' ? node.gateFor : node.step;
		const uses = node.kind === 'gate' ? 'approval' : node.step.uses;
		const params = node.kind === 'gate' ? {} : resolveWith(node.step.with, uses, simulation);
		const policy = (node.kind === 'step' ? node.step.onFailure : undefined) ?? runbook.spec.onFailure;
		const entry: DryRunStep = {
			id: node.id,
			kind: node.kind,
			uses,
			...(node.kind === 'step' && node.step.name ? { name: node.step.name } : {}),
			...(node.kind === 'gate' ? { gateFor: node.gateFor.id } : {}),
			wave,
			needs: node.needs,
			risk: node.kind === 'gate' ? 'low' : riskOf(node.step),
			outcome: 'succeeds',
			with: params,
			outputs: node.kind === 'gate' ? ['decisions'] : outputsOf(node.step),
			holds: node.kind === 'step' && uses !== 'approval' && riskOf(node.step) !== 'low' && window ? [{ kind: 'window', window }] : [],
			onFailure: policy
		};
		const approval = approvalOf(node, params);
		if (approval) entry.approval = approval;
		if (node.kind === 'step' && node.step.forEach) {
			const { items, maxConcurrency, maxErrors } = node.step.forEach;
			entry.forEach = { items: typeof items === 'string' ? resolveText(items, simulation) : items.length, maxConcurrency, maxErrors };
		}
		if (node.kind === 'step' && node.step.rollback) entry.rollback = { uses: node.step.rollback.uses, with: node.step.rollback.with };
		entries.set(node.id, entry);

		// Not started once the run has stopped; the failing step's own wave was already under way.
		if (stoppedAtWave !== undefined && wave > stoppedAtWave) {
			entry.outcome = 'never_starts';
			continue;
		}
		if (step.if !== undefined) {
			const value = conditionOf(step.if, simulation);
			entry.condition = { text: step.if, value };
			if (value === false) {
				entry.outcome = 'skipped';
				entry.skipReason = 'condition';
				continue;
			}
		}
		if (node.kind === 'step' && node.approvals && !node.approvals.some((id) => entries.get(id)?.outcome === 'approved')) {
			entry.outcome = 'skipped';
			entry.skipReason = 'no_approval';
			entry.approvals = [...node.approvals];
			continue;
		}
		const isApproval = approval !== undefined;
		if (isApproval && rejected.has(node.id)) entry.outcome = 'rejected';
		else if (scenario.failAt === node.id) entry.outcome = 'fails';
		else entry.outcome = isApproval ? 'approved' : 'succeeds';

		if (entry.outcome === 'rejected' || entry.outcome === 'fails') {
			if (policy === 'continue') continued.push(node.id);
			else {
				stops.push({ stepId: node.id, rejected: entry.outcome === 'rejected', policy });
				stoppedAtWave ??= wave;
			}
			continue;
		}
		const implied = node.kind === 'step' ? impliedOutputs(node.step) : {};
		simulation.context.steps[node.id] = { outputs: implied };
		simulation.known.set(node.id, new Set(Object.keys(implied)));
		if (node.kind === 'step') completed.push(node.step);
	}

	// Approvals, checklists and waits of the failing wave were waiting when the run stopped: they end cancelled.
	for (const { node, wave } of order) {
		const entry = entries.get(node.id)!;
		if (wave !== stoppedAtWave || !WAITS_FOR_PEOPLE_OR_TIME.has(entry.uses) || (entry.outcome !== 'approved' && entry.outcome !== 'succeeds')) continue;
		entry.outcome = 'cancelled';
		const at = completed.findIndex((s) => s.id === node.id);
		if (at >= 0) completed.splice(at, 1);
	}

	const rollbacks: DryRunRollback[] = [];
	let status: DryRunStatus = 'succeeded';
	if (stops.length) {
		status = 'failed';
		if (stops.some((s) => s.policy === 'rollback')) {
			status = 'rolled_back';
			for (const step of [...completed].reverse()) {
				if (!step.rollback) continue;
				rollbacks.push({ stepId: step.id, uses: step.rollback.uses, with: resolveValue(step.rollback.with, simulation) as Record<string, unknown> });
				entries.get(step.id)!.outcome = 'compensated';
			}
		}
	}
	for (const entry of entries.values()) if (entry.rollback) entry.rollback.with = resolveValue(entry.rollback.with, simulation) as Record<string, unknown>;

	const risky = nodes.some((n) => n.kind === 'step' && n.step.uses !== 'approval' && riskOf(n.step) !== 'low');
	// Finally steps see how the run ended.
	simulation.context.run = { ...simulation.context.run, status, error: stops.length ? `step ${stops[0].stepId} failed` : null };
	const lastWave = Math.max(0, ...waves.values());
	const after = finallySteps(runbook).map(({ id, step, needs }, i): DryRunStep => {
		const entry: DryRunStep = {
			id,
			kind: 'step',
			uses: step.uses,
			...(step.name ? { name: step.name } : {}),
			wave: lastWave + 1 + i,
			needs,
			risk: riskOf(step),
			outcome: 'succeeds',
			with: resolveWith(step.with, step.uses, simulation),
			outputs: outputsOf(step),
			holds: [],
			onFailure: 'continue'
		};
		if (step.if !== undefined) {
			const value = conditionOf(step.if, simulation);
			entry.condition = { text: step.if, value };
			if (value === false) Object.assign(entry, { outcome: 'skipped', skipReason: 'condition' });
		}
		return entry;
	});
	return {
		finally: after,
		status,
		inputs,
		inputErrors: resolved.ok ? [] : resolved.errors,
		steps: order.map(({ node }) => entries.get(node.id)!),
		waves: Math.max(0, ...waves.values()),
		...(stops.length ? { failure: stops[0] } : {}),
		continued,
		rollbacks,
		holds: {
			...(runbook.spec.concurrency === 'target' && runbook.spec.target ? { concurrency: runbook.spec.target } : {}),
			...(window ? { window } : {}),
			...(risky && runbook.spec.target ? { freeze: runbook.spec.target } : {})
		}
	};
}

/** What resolveInputs would give if the inputs were valid: the given values over the defaults, as given. */
function fallbackInputs(runbook: RunbookDocument, given: Record<string, unknown>): Record<string, unknown> {
	const inputs: Record<string, unknown> = {};
	for (const [name, declared] of Object.entries(runbook.spec.inputs)) {
		const value = givenValue(given, name) ?? declared.default;
		if (value !== undefined && value !== '') inputs[name] = value;
	}
	return inputs;
}
