import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { viewWindow } from '$lib/server/windows.ts';
import { listWindows } from '../../../../shared/window-store.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	const now = new Date();
	const windows = (await listWindows(getDb())).map((window) => ({
		...viewWindow(window, now, 3),
		weekly: window.document.spec.weekly,
		ranges: window.document.spec.ranges
	}));
	return { windows };
}) satisfies PageServerLoad;
