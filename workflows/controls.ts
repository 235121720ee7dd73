import { DEFAULT_ASSIGNEES as ASSIGNEES } from '../runbooks/run-model.ts';
import type { ChecklistView, Principal } from '../runbooks/run-projection.ts';
import type { Actor, EmergencyStopNotice } from './definitions.ts';
import { matchesPrincipal, type Refusal } from './approvals.ts';

/**
 * The people-facing controls of a run besides approvals, as pure functions the workflow's
 * validators call: who may tick a checklist, who may let a step through a change freeze, and
 * which emergency stop is in force.
 */

/** Without `assignees`, the people who run and respond to maintenance tick checklists off. */
export const DEFAULT_ASSIGNEES: readonly Principal[] = ASSIGNEES;

/** Approvers decide whether a freeze may be broken; an admin needs the approver role for it too. */
export const FREEZE_OVERRIDERS: readonly Principal[] = ['role:approver'];

export function checklistRefusal(view: ChecklistView, items: unknown, actor: Actor): Refusal | undefined {
	if (!view.assignees.some((p) => matchesPrincipal(actor, p)))
		return { type: 'NotEligible', message: `${actor.username} is not among the assignees of step "${view.stepId}" (${view.assignees.join(', ')})` };
	if (!Array.isArray(items) || items.length === 0 || items.some((i) => !Number.isInteger(i) || i < 0 || i >= view.items.length))
		return { type: 'InvalidDecision', message: `items must list checklist positions from 0 to ${view.items.length - 1}` };
	if ((items as number[]).every((i) => view.items[i].done)) return { type: 'AlreadyDecided', message: 'those items are already done' };
	return undefined;
}

export function freezeOverrideRefusal(stepId: string, actor: Actor, initiator: { id: string; username: string }): Refusal | undefined {
	if (actor.id === initiator.id || actor.username === initiator.username)
		return { type: 'FourEyes', message: `four eyes: ${actor.username} started this run and may not override the freeze for step "${stepId}"` };
	if (!FREEZE_OVERRIDERS.some((p) => matchesPrincipal(actor, p))) return { type: 'NotEligible', message: `only an approver may override a change freeze (${actor.username} is not one)` };
	return undefined;
}

/**
 * Emergency stops as a run has heard of them, by id. A lift always wins over a start of the same
 * stop, so the order in which the run learns of them (its start-up read, then signals) cannot
 * leave a lifted stop in force.
 */
export class EmergencyStops {
	private readonly known = new Map<string, EmergencyStopNotice>();

	note(notice: EmergencyStopNotice | null | undefined): void {
		if (!notice?.id) return;
		const seen = this.known.get(notice.id);
		if (seen && !seen.active) return;
		this.known.set(notice.id, notice);
	}

	active(): EmergencyStopNotice | undefined {
		return [...this.known.values()].find((n) => n.active);
	}
}
