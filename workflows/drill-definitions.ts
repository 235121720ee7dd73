import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DrillDocument } from '../runbooks/drill-schema.ts';
import type { Actor } from './definitions.ts';

/** Messages, inputs and ids of drill runs, shared by web, worker and tests (STYLE rule 4). */

export interface DrillRunInput {
	drillRunId: string;
	drill: { name: string; version: number };
	/** The pinned version's document. */
	document: DrillDocument;
	initiator: { id: string; username: string };
}

export type DrillStatus = 'preparing' | 'waiting_ack' | 'recovering' | 'verifying' | 'passed' | 'failed' | 'aborted';

export interface DrillRunResult {
	status: 'passed' | 'failed' | 'aborted';
	finding: string | null;
}

/** One table's state: its rows and an order-independent checksum of them. */
export interface TableState {
	rows: number;
	checksum: string;
}

export interface DrillActRequest {
	actor: Actor;
	/** The web app's HMAC over the act (shared/run-proofs.ts), checked by the worker before it counts. */
	proof?: string;
}

export interface DrillAbortRequest extends DrillActRequest {
	reason: string;
}

export interface DrillStateView {
	status: DrillStatus;
	acknowledged: boolean;
	recoveryRunId: string | null;
}

/** "I'm on it": stops the escalation; answers when it was recorded. */
export const drillAckUpdate = defineUpdate<{ acknowledgedAt: string }, [DrillActRequest]>('drillAck');
/** A responder starts the recovery (documents with `recovery.start: responder`). */
export const drillRecoverUpdate = defineUpdate<{ recoveryRunId: string }, [DrillActRequest]>('drillRecover');
/** An admin stops the drill; the scratch copy is torn down all the same. */
export const drillAbortUpdate = defineUpdate<void, [DrillAbortRequest]>('drillAbort');
export const drillStateQuery = defineQuery<DrillStateView>('drillState');

export const drillWorkflowId = (drillRunId: string) => `drill-${drillRunId}`;

/** Who may acknowledge and recover: an admin, a responder, or a principal the drill pages. */
export function isDrillResponder(actor: Actor, principals: readonly string[]): boolean {
	if (actor.roles.includes('admin') || actor.roles.includes('responder')) return true;
	return principals.some((p) => (p.startsWith('role:') ? actor.roles.includes(p.slice(5)) : p === `user:${actor.username}`));
}
