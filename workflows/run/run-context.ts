import { condition } from '@temporalio/workflow';
import type { ExpressionContext } from '../../runbooks/expressions.ts';
import type { PlannedStep } from '../../runbooks/run-model.ts';
import { EmergencyStops } from '../controls.ts';
import type { DecisionBinding, RunbookRunInput } from '../definitions.ts';
import type { RunState } from './run-state.ts';

/** Thrown out of a wait when the run stops for another step's failure: the step ends `cancelled` with the rest. */
export class RunStopped extends Error {
	override name = 'RunStopped';
}

/** A failure whose policy ends the run (stop or rollback); `continue` failures never become one. */
export interface Stop {
	stepId: string;
	message: string;
	error: unknown;
	rollback: boolean;
}

/** What decides whether work may go on: failures that stop the run, emergency stops, freeze overrides. */
export class RunControl {
	readonly stops: Stop[] = [];
	readonly emergency = new EmergencyStops();
	/** Steps an approver has let through a change freeze. */
	readonly overrides = new Set<string>();

	get stopped(): boolean {
		return this.stops.length > 0;
	}

	stop(stop: Stop): void {
		this.stops.push(stop);
	}

	/** Waits up to `ms` (a durable timer), or until `wake`; a stop of the run ends the wait early with RunStopped. */
	async pause(ms: number, wake: () => boolean = () => false): Promise<void> {
		await condition(() => this.stopped || wake(), Math.max(1, ms));
		if (this.stopped) throw new RunStopped();
	}
}

/** Everything the parts of the interpreter share about one run. */
export interface RunContext {
	readonly input: RunbookRunInput;
	readonly state: RunState;
	readonly control: RunControl;
	/** What `${{ }}` expressions read; each step's outputs are added as it succeeds. */
	readonly expressions: ExpressionContext;
	readonly binding: DecisionBinding;
	readonly planned: ReadonlyMap<string, PlannedStep>;
	/** The runbook's target, empty when it names none. */
	readonly targetName: string;
}
