import { ApplicationFailure } from '@temporalio/workflow';
import type { Refusal } from '../approvals.ts';
import type { Actor } from '../definitions.ts';
import type { RunContext } from './run-context.ts';

/** Why an Update is refused, thrown from its validator (before history) or its handler (re-checked). */
export function refuse(refused: Refusal | undefined): void {
	if (refused) throw ApplicationFailure.create({ type: refused.type, message: refused.message, nonRetryable: true });
}

export function actorRefusal(actor: Actor | undefined): Refusal | undefined {
	if (!actor || typeof actor.id !== 'string' || typeof actor.username !== 'string' || !Array.isArray(actor.roles) || actor.roles.some((r) => typeof r !== 'string'))
		return { type: 'InvalidDecision', message: 'an act on a run needs the actor: id, username and roles' };
	return undefined;
}

/** The step exists and is waiting for people, and what it waits with (`waiting`) is still open. */
export function waitingRefusal<T>(run: RunContext, stepId: string, waiting: T | undefined, stillOpen: (w: T) => boolean): Refusal | undefined {
	if (!run.state.has(stepId)) return { type: 'UnknownStep', message: `this run has no step "${stepId}"` };
	if (run.state.step(stepId).status !== 'waiting' || !waiting || !stillOpen(waiting)) return { type: 'StepNotWaiting', message: `step "${stepId}" is not waiting for a decision` };
	return undefined;
}
