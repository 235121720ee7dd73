import { parseDuration } from '../runbooks/duration.ts';
import { IMPLICIT_GATE as GATE } from '../runbooks/run-model.ts';
import type { ApprovalView, DecisionRecord, Principal } from '../runbooks/run-projection.ts';
import type { Actor } from './definitions.ts';

/**
 * The `approval` step's contract (DESIGN §3, §4) and who may decide. Pure and free of the workflow
 * runtime, so the web layer can ask the same question the workflow's validator asks (which
 * approvals a person may decide) without a round trip.
 */
export interface ApprovalParams {
	approvers: Principal[];
	quorum: number;
	/** Milliseconds from the moment the step starts waiting; absent means it waits until decided. */
	timeoutMs?: number;
	onTimeout: 'fail' | 'skip';
	message?: string;
	/** Each `after` counts from the moment the step starts waiting, not from the previous escalation. */
	escalate: Array<{ afterMs: number; to: Principal }>;
	/** Expression paths such as `steps.dedupe.outputs`, shown to approvers beside the question. */
	show: string[];
	fourEyes: boolean;
}

export class ApprovalParamsError extends Error {
	override name = 'ApprovalParamsError';
}

const PRINCIPAL = /^(role|user):[^\s:]+$/;

function principal(value: unknown, at: string): Principal {
	if (typeof value !== 'string' || !PRINCIPAL.test(value)) throw new ApprovalParamsError(`approval: with.${at} must be role:NAME or user:NAME`);
	return value as Principal;
}

function duration(value: unknown, at: string): number {
	if (typeof value !== 'string' && typeof value !== 'number') throw new ApprovalParamsError(`approval: with.${at} must be a duration such as 30s or 4h`);
	try {
		return parseDuration(value);
	} catch (error) {
		throw new ApprovalParamsError(`approval: with.${at}: ${(error as Error).message}`);
	}
}

/**
 * Reads an approval step's resolved `with`, filling the contract's defaults. The runbook parser
 * validates `with` up front; this is the workflow's own guard, reported as the step's failure.
 */
export function approvalParams(raw: Record<string, unknown>, stepTimeout?: string | number): ApprovalParams {
	const { approvers, timeout = stepTimeout, onTimeout = 'fail', message, escalate = [], show = [] } = raw;
	// Either may come from an expression over a string input: accept the text forms too.
	const quorum = typeof raw.quorum === 'string' && /^\d+$/.test(raw.quorum) ? Number(raw.quorum) : (raw.quorum ?? 1);
	const fourEyes = raw.fourEyes === 'true' ? true : raw.fourEyes === 'false' ? false : (raw.fourEyes ?? true);
	if (!Array.isArray(approvers) || approvers.length === 0) throw new ApprovalParamsError('approval: with.approvers must list at least one role:NAME or user:NAME');
	if (typeof quorum !== 'number' || !Number.isInteger(quorum) || quorum < 1) throw new ApprovalParamsError('approval: with.quorum must be a whole number of at least 1');
	if (onTimeout !== 'fail' && onTimeout !== 'skip') throw new ApprovalParamsError('approval: with.onTimeout must be fail or skip');
	if (message !== undefined && typeof message !== 'string') throw new ApprovalParamsError('approval: with.message must be text');
	if (!Array.isArray(escalate)) throw new ApprovalParamsError('approval: with.escalate must be a list of {after, to}');
	if (!Array.isArray(show) || show.some((path) => typeof path !== 'string')) throw new ApprovalParamsError('approval: with.show must be a list of expression paths');
	if (typeof fourEyes !== 'boolean') throw new ApprovalParamsError('approval: with.fourEyes must be true or false');
	return {
		approvers: approvers.map((a, i) => principal(a, `approvers[${i}]`)),
		quorum,
		...(timeout !== undefined ? { timeoutMs: duration(timeout, 'timeout') } : {}),
		onTimeout,
		...(message !== undefined ? { message } : {}),
		escalate: escalate.map((e: unknown, i) => {
			const entry = (e ?? {}) as { after?: unknown; to?: unknown };
			return { afterMs: duration(entry.after, `escalate[${i}].after`), to: principal(entry.to, `escalate[${i}].to`) };
		}),
		show: show as string[],
		fourEyes
	};
}

/** The gate put before a high-risk step that has no approval earlier on its path (DESIGN §3), as an approval's `with`. */
export const IMPLICIT_GATE: Readonly<Record<string, unknown>> = { approvers: [...GATE.approvers], quorum: GATE.quorum, fourEyes: GATE.fourEyes };

export function matchesPrincipal(actor: Actor, p: Principal): boolean {
	const [kind, name] = [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)];
	return kind === 'role' ? actor.roles.includes(name) : actor.username === name;
}

/** Why a decision was refused; the type lets the API answer 400, 404, 403 or 409 without parsing text. */
export type RefusalType = 'InvalidDecision' | 'UnknownStep' | 'StepNotWaiting' | 'FourEyes' | 'NotEligible' | 'AlreadyDecided';

export interface Refusal {
	type: RefusalType;
	message: string;
}

/**
 * Why `actor` may not decide `approval` now, or undefined if they may. Admins get no pass: an
 * approval is a second person's judgement, and an admin who must decide can be listed or granted
 * the role, which the audit log then shows. Four eyes bars the initiator from rejecting too —
 * they can cancel their own run instead.
 */
export function decisionRefusal(approval: ApprovalView, actor: Actor, initiator: { id: string; username: string }): Refusal | undefined {
	const step = approval.stepId;
	if (approval.fourEyes && (actor.id === initiator.id || actor.username === initiator.username))
		return { type: 'FourEyes', message: `four eyes: ${actor.username} started this run and may not decide on step "${step}"` };
	if (!approval.approvers.some((p) => matchesPrincipal(actor, p)))
		return { type: 'NotEligible', message: `${actor.username} is not among the approvers of step "${step}" (${approval.approvers.join(', ')})` };
	if (approval.decisions.some((d) => d.actor.id === actor.id)) return { type: 'AlreadyDecided', message: `${actor.username} has already decided on step "${step}"` };
	return undefined;
}

/** Where an approval stands: any reject decides it, otherwise a quorum of approvals does. */
export function verdictOf(approval: { decisions: ReadonlyArray<Pick<DecisionRecord, 'decision'>>; quorum: number }): 'approved' | 'rejected' | undefined {
	if (approval.decisions.some((d) => d.decision === 'reject')) return 'rejected';
	return approval.decisions.filter((d) => d.decision === 'approve').length >= approval.quorum ? 'approved' : undefined;
}

/**
 * Refuses a decision that can no longer change the outcome: the round is decided, or the
 * decisions being written right now will decide it. Exactly one decision completes a round;
 * whoever comes second is told so plainly, not "approved" while the run goes the other way.
 */
export function settledRefusal(approval: ApprovalView, inFlight: ReadonlyArray<Pick<DecisionRecord, 'decision'>>): Refusal | undefined {
	const recorded = verdictOf(approval);
	if (recorded) {
		const by = approval.decisions.filter((d) => d.decision === (recorded === 'approved' ? 'approve' : 'reject')).map((d) => d.actor.username);
		return { type: 'AlreadyDecided', message: `the approval of step "${approval.stepId}" has already been decided: ${recorded} by ${by.join(', ')}` };
	}
	if (verdictOf({ decisions: [...approval.decisions, ...inFlight], quorum: approval.quorum }))
		return { type: 'AlreadyDecided', message: `the approval of step "${approval.stepId}" has already been decided by another approver a moment ago` };
	return undefined;
}
