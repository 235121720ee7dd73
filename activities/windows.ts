import type { Db } from '../db/client.ts';
import { reasonAt, windowState } from '../runbooks/window-calendar.ts';
import { getWindow, listWindows } from '../shared/window-store.ts';
import { nonRetryable } from './failures.ts';

export interface WindowsCheckInput {
	/** The maintenance window a runbook waits for (its `spec.window` or a wait step's `with.window`). */
	window?: string;
	/** The runbook's target: freezes that list other targets do not hold it. */
	target?: string;
	/** ISO 8601; the workflow passes its own clock so the answer matches its timers. Default: now. */
	at?: string;
}

export interface WindowsCheckResult {
	at: string;
	/** The named window: `open` now and until `closesAt`, or closed until `opensAt` (then open until `closesAt`). */
	maintenance: null | { name: string; open: boolean; opensAt?: string; closesAt?: string };
	/** The freeze in force at `at` for the target; of several, the one that lasts longest. */
	freeze: null | { name: string; reason?: string; until: string };
}

/**
 * Where a run stands against maintenance windows and change freezes. Windows are read when a run
 * reaches a risky step, not pinned when it starts: an admin who declares a freeze means it to
 * stop runs already under way.
 */
export async function checkWindows(db: Db, input: WindowsCheckInput): Promise<WindowsCheckResult> {
	const at = input.at === undefined ? new Date() : new Date(input.at);
	if (Number.isNaN(at.getTime())) throw nonRetryable('InvalidStepParams', `windows.check: at "${input.at}" is not an ISO 8601 date and time`);
	return { at: at.toISOString(), maintenance: input.window ? await maintenanceAt(db, input.window, at) : null, freeze: await freezeAt(db, input.target, at) };
}

async function maintenanceAt(db: Db, name: string, at: Date): Promise<WindowsCheckResult['maintenance']> {
	const window = await getWindow(db, name);
	if (!window) throw nonRetryable('WindowNotFound', `window "${name}" is not defined`);
	const state = windowState(window.document, at);
	if (state.open) return { name, open: true, closesAt: state.opening.end.toISOString() };
	return { name, open: false, ...(state.next ? { opensAt: state.next.start.toISOString(), closesAt: state.next.end.toISOString() } : {}) };
}

/** A freeze without `targets` holds every run; one with `targets` holds only runs on those (so not a run without a target). */
async function freezeAt(db: Db, target: string | undefined, at: Date): Promise<WindowsCheckResult['freeze']> {
	let found: { name: string; reason?: string; until: Date } | null = null;
	for (const window of await listWindows(db, 'freeze')) {
		const { targets } = window.document.spec;
		if (targets && !(target && targets.includes(target))) continue;
		const state = windowState(window.document, at);
		if (!state.open || (found && found.until >= state.opening.end)) continue;
		const reason = reasonAt(window.document, at);
		found = { name: window.name, ...(reason ? { reason } : {}), until: state.opening.end };
	}
	return found && { ...found, until: found.until.toISOString() };
}

export function createWindowActivities({ db }: { db: Db }) {
	return {
		'windows.check': (input: WindowsCheckInput): Promise<WindowsCheckResult> => checkWindows(db, input)
	};
}
