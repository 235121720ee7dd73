import { condition, setHandler } from '@temporalio/workflow';
import { overrideAct } from '../acts.ts';
import type { Refusal } from '../approvals.ts';
import { freezeOverrideRefusal } from '../controls.ts';
import { emergencyStopSignal, overrideFreezeUpdate, type FreezeOverrideRequest } from '../definitions.ts';
import { windows } from './local-activities.ts';
import { recordAct } from './record-act.ts';
import { RunStopped, type RunContext } from './run-context.ts';
import { actorRefusal, refuse } from './refusals.ts';

/**
 * What keeps a risky step from starting (DESIGN §3): an admin's emergency stop, the runbook's
 * window being closed, a change freeze on the target — unless an approver other than the
 * initiator overrides the freeze for that step.
 */
export class Holds {
	/** Steps whose override is being written to the audit log: a second one meanwhile is refused. */
	private readonly overriding = new Set<string>();

	constructor(private readonly run: RunContext) {
		setHandler(emergencyStopSignal, (notice) => run.control.emergency.note(notice));
		setHandler(overrideFreezeUpdate, (request) => this.override(request), { validator: (request) => refuse(this.refusal(request)) });
	}

	private refusal(request: FreezeOverrideRequest): Refusal | undefined {
		const { stepId, reason, actor } = (request ?? {}) as Partial<FreezeOverrideRequest>;
		if (typeof stepId !== 'string' || typeof reason !== 'string' || !reason.trim()) return { type: 'InvalidDecision', message: 'an override needs stepId and a reason' };
		if (!this.run.state.has(stepId)) return { type: 'UnknownStep', message: `this run has no step "${stepId}"` };
		const step = this.run.state.step(stepId);
		if (step.hold?.kind !== 'freeze' || this.run.control.overrides.has(stepId) || this.overriding.has(stepId)) return { type: 'StepNotWaiting', message: `step "${stepId}" is not held by a change freeze` };
		return actorRefusal(actor) ?? freezeOverrideRefusal(stepId, actor!, this.run.input.initiator);
	}

	private async override(request: FreezeOverrideRequest): Promise<{ stepId: string }> {
		refuse(this.refusal(request));
		const { stepId, reason, actor } = request;
		this.overriding.add(stepId);
		try {
			await recordAct(this.run.state, overrideAct(this.run.input.runId, request), request, { stepId, kind: 'freeze.overridden', details: { actor: actor.username, reason } }, { action: 'run.step.override', details: { stepId, comment: reason } });
			this.run.control.overrides.add(stepId);
		} finally {
			this.overriding.delete(stepId);
		}
		return { stepId };
	}

	/** Returns once the step may start; the window and freezes are asked again after each wait, since documents may change. */
	async clear(stepId: string): Promise<void> {
		const { control, state, input, targetName } = this.run;
		for (;;) {
			if (control.stopped) throw new RunStopped();
			const stop = control.emergency.active();
			if (stop) {
				state.held(stepId, { kind: 'emergency_stop', by: stop.by, reason: stop.reason, message: `paused: emergency stop by ${stop.by} (${stop.reason})` });
				await condition(() => !control.emergency.active() || control.stopped);
				continue;
			}
			const check = await state.local(() => windows['windows.check']({ ...(input.document.spec.window ? { window: input.document.spec.window } : {}), ...(targetName ? { target: targetName } : {}), at: new Date().toISOString() }));
			const wake = () => !!control.emergency.active() || control.overrides.has(stepId);
			if (check.freeze && !control.overrides.has(stepId)) {
				const { name, reason, until } = check.freeze;
				state.held(stepId, { kind: 'freeze', window: name, until, ...(reason ? { reason } : {}), message: `held by change freeze "${name}"${reason ? ` (${reason})` : ''} until ${until}; an approver may override` });
				// Never less than a second: a clock a hair behind the window's own must not spin.
				await control.pause(Math.max(1000, Date.parse(until) - Date.now()), wake);
				continue;
			}
			const window = check.maintenance;
			if (window && !window.open && window.opensAt) {
				state.held(stepId, { kind: 'window', window: window.name, until: window.opensAt, message: `waiting for maintenance window "${window.name}", which opens ${window.opensAt}` });
				await control.pause(Math.max(1000, Date.parse(window.opensAt) - Date.now()), () => !!control.emergency.active());
				continue;
			}
			state.holdLifted(stepId);
			return;
		}
	}
}
