import { ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import type { RunEventDetails, RunEventKind } from '../../runbooks/run-projection.ts';
import type { RunAct } from '../acts.ts';
import type { ActBy } from '../definitions.ts';
import { describeFailure, failureType } from './failures.ts';
import { acts } from './local-activities.ts';
import type { RunState } from './run-state.ts';

/**
 * Writes a person's act to the run's timeline and the audit log (after the ledger has checked its
 * proof); the caller lets the act count only once this returns. Not cancellable: an act that was
 * accepted is recorded even if the run is being cancelled meanwhile.
 */
export async function recordAct(state: RunState, act: RunAct, by: ActBy, event: { stepId?: string; kind: RunEventKind; details: RunEventDetails }, audit: { action: string; details: Record<string, unknown> }): Promise<void> {
	try {
		await CancellationScope.nonCancellable(() =>
			state.local(() => acts['ledger.recordAct']({ act, ...(by.proof !== undefined ? { proof: by.proof } : {}), event: { ...event, at: new Date().toISOString() }, audit }))
		);
	} catch (error) {
		if (failureType(error) === 'ForgedAct') throw ApplicationFailure.create({ type: 'ForgedAct', nonRetryable: true, message: describeFailure(error) });
		throw error;
	}
}
