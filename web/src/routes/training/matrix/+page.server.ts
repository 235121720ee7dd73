import { getDb } from '$lib/server/db.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { trainingMatrix } from '$lib/server/training.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, 'admin');
	return { matrix: await trainingMatrix(getDb()), assigned: url.searchParams.get('assigned'), created: url.searchParams.get('created') };
}) satisfies PageServerLoad;
