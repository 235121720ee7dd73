import type { CancelRequest, ChecklistRequest, DecisionRequest, FreezeOverrideRequest } from './definitions.ts';

/**
 * A person's act on a run, in the one shape that is signed by the web app and checked by the
 * worker (shared/run-proofs.ts): who did exactly what, on which run, step and round. Pure, so the
 * workflow builds the same act from the Update it received that the web app signed.
 */
export interface RunAct {
	/** `drill-*`: a person's act on a drill run (workflows/drill-run.ts); `runId` is then the drill run's id. */
	kind: 'decide' | 'checklist' | 'override' | 'cancel' | 'drill-ack' | 'drill-recover' | 'drill-abort';
	runId: string;
	stepId?: string;
	/** An approval's round: a proof for round 1 does not count in round 2. */
	round?: number;
	actor: { id: string; username: string; roles: readonly string[] };
	what: Record<string, unknown>;
}

const who = (actor: RunAct['actor']) => ({ id: actor.id, username: actor.username, roles: [...actor.roles] });

export const decisionAct = (runId: string, r: Pick<DecisionRequest, 'stepId' | 'decision' | 'comment' | 'round' | 'actor'>): RunAct => ({
	kind: 'decide',
	runId,
	stepId: r.stepId,
	...(r.round !== undefined ? { round: r.round } : {}),
	actor: who(r.actor),
	what: { decision: r.decision, comment: r.comment ?? null }
});

export const checklistAct = (runId: string, r: Pick<ChecklistRequest, 'stepId' | 'items' | 'notes' | 'actor'>): RunAct => ({
	kind: 'checklist',
	runId,
	stepId: r.stepId,
	actor: who(r.actor),
	what: { items: [...r.items].sort((a, b) => a - b), notes: r.notes ?? null }
});

export const overrideAct = (runId: string, r: Pick<FreezeOverrideRequest, 'stepId' | 'reason' | 'actor'>): RunAct => ({
	kind: 'override',
	runId,
	stepId: r.stepId,
	actor: who(r.actor),
	what: { reason: r.reason }
});

export const cancelAct = (runId: string, r: Pick<CancelRequest, 'reason' | 'actor'>): RunAct => ({ kind: 'cancel', runId, actor: who(r.actor), what: { reason: r.reason ?? null } });

/** A person's act on a drill run: acknowledge it, start its recovery, abort it. */
export const drillAct = (kind: 'drill-ack' | 'drill-recover' | 'drill-abort', drillRunId: string, actor: RunAct['actor'], what: Record<string, unknown> = {}): RunAct => ({
	kind,
	runId: drillRunId,
	actor: who(actor),
	what
});
