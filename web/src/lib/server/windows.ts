import { openings, windowState, type Opening } from '../../../../runbooks/window-calendar.ts';
import { getWindow, listWindows, type StoredWindow } from '../../../../shared/window-store.ts';
import { getDb } from './db.ts';

/**
 * A window as pages and the API show it: where it stands now and when it opens next. A
 * maintenance window is `open`, a freeze is `inForce`; `until` is when that changes — the end of
 * the current opening, or the start of the next (absent when it never changes again).
 */
export type WindowNow = { open: boolean; until?: Date } | { inForce: boolean; until?: Date };

export interface WindowView {
	name: string;
	title: string;
	kind: 'maintenance' | 'freeze';
	timezone: string;
	description?: string;
	/** The targets it applies to; absent means all. */
	targets?: string[];
	state: WindowNow;
	/** The first may be the opening in progress. */
	nextOpenings: Opening[];
}

export function viewWindow(window: StoredWindow, at: Date, count: number): WindowView {
	const { spec, metadata } = window.document;
	const now = windowState(window.document, at);
	const until = now.open ? now.opening.end : now.next?.start;
	const state: WindowNow = window.kind === 'freeze' ? { inForce: now.open, ...(until ? { until } : {}) } : { open: now.open, ...(until ? { until } : {}) };
	const description = metadata.description ?? spec.description;
	return {
		name: window.name,
		title: window.title,
		kind: window.kind,
		timezone: spec.timezone,
		...(description ? { description } : {}),
		...(spec.targets ? { targets: spec.targets } : {}),
		state,
		nextOpenings: openings(window.document, at, count)
	};
}

export async function listWindowViews(at: Date, count: number): Promise<WindowView[]> {
	return (await listWindows(getDb())).map((w) => viewWindow(w, at, count));
}

export async function getWindowView(name: string, at: Date, count: number) {
	const window = await getWindow(getDb(), name);
	return window ? { ...viewWindow(window, at, count), document: window.document } : null;
}
