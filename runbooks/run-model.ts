import { parseDuration } from './duration.ts';
import type { RunbookDocument, RunbookStep } from './schema.ts';
import { STEP_FACTS_BY_USES, type Risk } from './step-facts.ts';

/**
 * What a run is made of, in one pure module (no Temporal, no database, no zod) so the workflow,
 * the dry run, the run views, the builder and the CLI read the same facts: the statuses, the
 * graph a runbook's steps make, the ids of what the interpreter adds to it (implicit gates,
 * compensations, forEach items, the undo checklist), effective risk and default retries.
 */

export const RUN_STATUSES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'rolled_back', 'rollback_incomplete', 'cancelled'] as const;
export const STEP_STATUSES = ['pending', 'skipped', 'waiting', 'running', 'retrying', 'succeeded', 'failed', 'compensated', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = (typeof STEP_STATUSES)[number];

/** The states a step ends in: nothing moves it on from these (a resume aside). */
export const FINISHED_STEP_STATUSES = ['skipped', 'succeeded', 'failed', 'compensated', 'cancelled'] as const satisfies readonly StepStatus[];
export const OPEN_STEP_STATUSES = ['pending', 'waiting', 'running', 'retrying'] as const satisfies readonly StepStatus[];
export const FINISHED_RUN_STATUSES = ['succeeded', 'failed', 'rolled_back', 'rollback_incomplete', 'cancelled'] as const satisfies readonly RunStatus[];
export const OPEN_RUN_STATUSES = ['pending', 'queued', 'running'] as const satisfies readonly RunStatus[];
/** Every way a run can end without succeeding: counted and filtered together as "did not succeed". */
export const UNSUCCESSFUL_RUN_STATUSES = ['failed', 'rolled_back', 'rollback_incomplete', 'cancelled'] as const satisfies readonly RunStatus[];

/** The run list's status filter: one status, or every way of not succeeding together. */
export const UNSUCCESSFUL = 'unsuccessful';
export const RUN_STATUS_FILTERS = [UNSUCCESSFUL, ...RUN_STATUSES] as const;
export type RunStatusFilter = (typeof RUN_STATUS_FILTERS)[number];

export const isRunFinished = (status: string): boolean => (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
export const isStepFinished = (status: string): boolean => (FINISHED_STEP_STATUSES as readonly string[]).includes(status);

// Ids of the nodes the interpreter adds. A dot and brackets cannot occur in a step id, so none collides with an author's.
const GATE_SUFFIX = '.approval';
const COMPENSATION_SUFFIX = '.rollback';
/** The implicit approval gate before a high-risk step that has no approval step on its path. */
export const gateId = (stepId: string) => `${stepId}${GATE_SUFFIX}`;
/** The high-risk step a gate guards, if `id` is a gate's. */
export const guardedStep = (id: string): string | undefined => (id.endsWith(GATE_SUFFIX) ? id.slice(0, -GATE_SUFFIX.length) : undefined);
/** The compensation of a step, as its activity sees it (the idempotency keys of undo work derive from it). */
export const compensationId = (stepId: string) => `${stepId}${COMPENSATION_SUFFIX}`;
/** One item of a forEach step. */
export const itemId = (stepId: string, index: number) => `${stepId}[${index}]`;
/** The step an item id (or a step id) belongs to. */
export const stepOfCall = (callId: string) => callId.replace(/\[\d+\]$/, '');
/** The checklist a failed rollback leaves for a person: what is left to undo by hand. */
export const UNDO_CHECKLIST_STEP = 'rollback.manual';

export function effectiveRisk(step: Pick<RunbookStep, 'uses' | 'risk'>): Risk {
	return step.risk ?? STEP_FACTS_BY_USES.get(step.uses)?.defaultRisk ?? 'low';
}

/** Risky steps wait for the emergency stop to lift, the runbook's window to open and change freezes to end. */
export const isRisky = (step: Pick<RunbookStep, 'uses' | 'risk'>) => effectiveRisk(step) !== 'low';

/** Step types that finish in a short bound, need no heartbeat and are idempotent under retry: run on the run's own worker. */
const SHORT_STEP_TYPES = new Set(['sql.check', 'sql.exec', 'http.check']);
/** A step of any other heartbeat-free type whose declared timeout is at most this runs locally too. */
export const SHORT_STEP_TIMEOUT_MS = 5000;

/**
 * Whether a step runs as a local activity (on the worker that holds the run, no server round trip
 * per attempt) rather than an ordinary one. Steps that heartbeat (backups, restores, dedupe) never
 * do: they are long, and a lost worker must be noticed by its heartbeat.
 */
export function runsLocally(step: Pick<RunbookStep, 'timeout'>, uses: string): boolean {
	if (STEP_FACTS_BY_USES.get(uses)?.heartbeatTimeout && !SHORT_STEP_TYPES.has(uses)) return false;
	if (SHORT_STEP_TYPES.has(uses)) return true;
	return step.timeout !== undefined && parseDuration(step.timeout) <= SHORT_STEP_TIMEOUT_MS;
}

/** Steps a person acts in, or that wait on time or on another run: the interpreter runs them itself, not as an activity. */
export const CONTROL_STEP_TYPES = ['approval', 'manual', 'wait', 'runbook'] as const;
export const isControlStep = (uses: string) => (CONTROL_STEP_TYPES as readonly string[]).includes(uses);

/** Without `assignees`, the people who run and respond to maintenance tick checklists off. */
export const DEFAULT_ASSIGNEES = ['role:operator', 'role:responder', 'role:admin'] as const;
/** Who decides an implicit gate (DESIGN §3). */
export const IMPLICIT_GATE = { approvers: ['role:approver'], quorum: 1, fourEyes: true } as const;

export interface RetryPolicy {
	maxAttempts: number;
	initialIntervalMs: number;
	backoff: number;
	maxIntervalMs?: number;
}

/** What a step gets when it names no `retry`. */
export const DEFAULT_RETRY = { maxAttempts: 3, initialInterval: '5s', backoff: 2 } as const;

export function retryPolicy(step: Pick<RunbookStep, 'retry'>): RetryPolicy {
	const retry = step.retry ?? DEFAULT_RETRY;
	return {
		maxAttempts: retry.maxAttempts,
		initialIntervalMs: parseDuration(retry.initialInterval),
		backoff: retry.backoff,
		...('maxInterval' in retry && retry.maxInterval !== undefined ? { maxIntervalMs: parseDuration(retry.maxInterval) } : {})
	};
}

/** The wait before attempt `attempt` (2 or later): each wait is `backoff` times the one before, up to the cap. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
	const delay = policy.initialIntervalMs * policy.backoff ** Math.max(0, attempt - 2);
	return policy.maxIntervalMs !== undefined ? Math.min(delay, policy.maxIntervalMs) : delay;
}

/**
 * Outcomes that are answers, not accidents: a false check is retried only when the author asked
 * for retries (a polling check — "the replica has caught up"); by default it is the step's verdict.
 */
const RETRIED_ONLY_WHEN_ASKED = new Set(['SqlCheckFailed']);

export function retriesFailure(step: Pick<RunbookStep, 'retry'>, failureType: string | undefined): boolean {
	return !RETRIED_ONLY_WHEN_ASKED.has(failureType ?? '') || step.retry !== undefined;
}

/**
 * What a step waits for (DESIGN §3): its `needs`, or — without `needs` — the step listed before it,
 * if any; `needs: []` starts a step at once. The only place this rule is written: the interpreter,
 * the dry run, validation, the builder and the run views all ask here.
 */
export function needsWithDefault<T>(explicit: readonly T[] | undefined, previous: T | undefined): T[] {
	return explicit ? [...explicit] : previous === undefined ? [] : [previous];
}

/** Every step's needs, by id. */
export function stepNeeds(steps: readonly Pick<RunbookStep, 'id' | 'needs'>[]): Map<string, string[]> {
	return new Map(steps.map((step, i) => [step.id, needsWithDefault(step.needs, steps[i - 1]?.id)]));
}

export type PlannedStep =
	| {
			kind: 'step';
			id: string;
			step: RunbookStep;
			needs: string[];
			/** High-risk steps only: the nearest approval steps on its path (shared between steps: never change it); one of the approvals upstream must have been given. */
			approvals?: readonly string[];
	  }
	| { kind: 'gate'; id: string; needs: string[]; gateFor: string };

export class PlanError extends Error {
	override name = 'PlanError';
}

/**
 * Steps in an order where each comes after everything it needs (Kahn's algorithm, linear in
 * steps + edges), or a PlanError naming the steps caught in a cycle.
 */
export function topologicalOrder(ids: readonly string[], needs: Map<string, string[]>): string[] {
	const waitingOn = new Map(ids.map((id) => [id, new Set(needs.get(id)).size]));
	const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
	for (const id of ids) for (const need of new Set(needs.get(id))) dependents.get(need)!.push(id);
	const order = ids.filter((id) => waitingOn.get(id) === 0);
	for (let i = 0; i < order.length; i++) {
		for (const next of dependents.get(order[i])!) {
			const left = waitingOn.get(next)! - 1;
			waitingOn.set(next, left);
			if (left === 0) order.push(next);
		}
	}
	if (order.length < ids.length) {
		const placed = new Set(order);
		throw new PlanError(`needs form a cycle among steps ${ids.filter((id) => !placed.has(id)).join(', ')}`);
	}
	return order;
}

/**
 * The graph a run executes (DESIGN §3): steps with their needs, and before each high-risk step
 * that has no approval step upstream, an implicit gate that takes over its needs. Linear in the
 * size of the runbook; document order is kept, each gate just before the step it guards.
 */
export function planRun(document: Pick<RunbookDocument, 'spec'>): PlannedStep[] {
	const steps = document.spec.steps;
	const byId = new Map(steps.map((s) => [s.id, s]));
	const needs = stepNeeds(steps);
	for (const [id, list] of needs) {
		const unknown = list.find((n) => !byId.has(n));
		if (unknown !== undefined) throw new PlanError(`step "${id}" needs unknown step "${unknown}"`);
	}
	// The nearest approval steps upstream of each step, filled in dependency order. A step that
	// adds nothing to what one of its needs already has shares that list, so a long chain below a
	// wide fan costs its length, not length × width.
	const nearestApprovals = new Map<string, readonly string[]>();
	for (const id of topologicalOrder(steps.map((s) => s.id), needs)) {
		const lists = [...new Set(needs.get(id)!.map((need) => (byId.get(need)!.uses === 'approval' ? [need] : nearestApprovals.get(need)!)))].filter((l) => l.length);
		nearestApprovals.set(id, lists.length <= 1 ? (lists[0] ?? []) : [...new Set(lists.flat())]);
	}

	return steps.flatMap((step): PlannedStep[] => {
		const own = needs.get(step.id)!;
		if (step.uses === 'approval' || effectiveRisk(step) !== 'high') return [{ kind: 'step', id: step.id, step, needs: own }];
		const covering = nearestApprovals.get(step.id)!;
		if (covering.length) return [{ kind: 'step', id: step.id, step, needs: own, approvals: covering }];
		// A gate covers only the step it stands before: its approvers are asked about that one step.
		const gate = gateId(step.id);
		return [
			{ kind: 'gate', id: gate, needs: own, gateFor: step.id },
			{ kind: 'step', id: step.id, step, needs: [gate], approvals: [gate] }
		];
	});
}

/** The id of the finally step `notifyOnFailure` stands for; the dot keeps it apart from any author's id. */
export const FAILURE_NOTICE_STEP = 'notify.on-failure';

/**
 * The steps that run once the run has ended (`spec.finally`, then the failure notice that
 * `notifyOnFailure` asks for), in order: a step without `needs` follows the one before it here too.
 */
export function finallySteps(document: Pick<RunbookDocument, 'spec'>): Array<{ id: string; step: RunbookStep; needs: string[] }> {
	const steps: RunbookStep[] = [...(document.spec.finally ?? [])];
	if (document.spec.notifyOnFailure?.length) {
		steps.push({
			id: FAILURE_NOTICE_STEP,
			name: 'Tell people the run did not succeed',
			uses: 'notify',
			needs: [],
			if: "${{ run.status != 'succeeded' }}",
			with: {
				to: [...document.spec.notifyOnFailure],
				subject: 'Run of ${{ run.runbook }} ended ${{ run.status }}',
				body: 'Run ${{ run.id }} of ${{ run.runbook }} (version ${{ run.version }}), started by ${{ run.initiator }}, ended ${{ run.status }}.\n\n${{ run.error }}'
			}
		} as RunbookStep);
	}
	const needs = stepNeeds(steps);
	return steps.map((step) => ({ id: step.id, step, needs: needs.get(step.id)! }));
}

/** The rows a run starts with: every planned node in order, then its finally steps, as `run_steps` holds them. */
export function plannedRows(plan: readonly PlannedStep[], after: ReturnType<typeof finallySteps> = []): Array<{ stepId: string; position: number; uses: string; name: string | null }> {
	const rows = plan.map((node) => ({ stepId: node.id, uses: node.kind === 'gate' ? 'approval' : node.step.uses, name: node.kind === 'step' ? (node.step.name ?? null) : null }));
	rows.push(...after.map((node) => ({ stepId: node.id, uses: node.step.uses, name: node.step.name ?? null })));
	return rows.map((row, position) => ({ ...row, position }));
}
