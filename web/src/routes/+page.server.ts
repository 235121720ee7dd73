import { requireUser } from '$lib/server/guard.ts';
import { loadDashboard } from '$lib/server/views/dashboard.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	return loadDashboard();
}) satisfies PageServerLoad;
