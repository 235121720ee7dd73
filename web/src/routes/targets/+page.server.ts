import { requireUser } from '$lib/server/guard.ts';
import { listTargets } from '$lib/server/views/targets.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	return { targets: await listTargets() };
}) satisfies PageServerLoad;
