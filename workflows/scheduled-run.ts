import { proxyActivities } from '@temporalio/workflow';
import type { ScheduledRunActivities } from '../activities/scheduled-runs.ts';

/** What a schedule's action carries (stored in the schedule, so schedules need no table of their own). */
export interface ScheduledRunInput {
	scheduleId: string;
	runbook: string;
	inputs: Record<string, unknown>;
	/**
	 * Whoever created the schedule. The run's initiator is the schedule itself, answerable to this
	 * person: four eyes bars them from deciding its approvals as if they had pressed Start
	 * (shared/run-start.ts, scheduleInitiator).
	 */
	initiator: { id: string; username: string };
}

// Starting a run is a few quick writes and one workflow start; retry through an outage of either.
const { 'runs.startScheduled': startScheduled } = proxyActivities<ScheduledRunActivities>({
	startToCloseTimeout: '1m',
	retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 20 }
});

/**
 * What a Temporal schedule starts when it fires: a Tend run of the runbook's current version,
 * started by the schedule on its creator's behalf. The run is its own workflow; this one
 * ends as soon as the run has started, so a long run does not make the schedule skip its next turn.
 */
export async function scheduledRun(input: ScheduledRunInput): Promise<{ runId: string }> {
	const { id } = await startScheduled(input);
	return { runId: id };
}
