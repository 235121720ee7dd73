import { OUTBOX_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { listMail } from '$lib/server/views/outbox.ts';
import type { PageServerLoad } from './$types';

const LIMIT = 100;

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, ...OUTBOX_READERS);
	return { mail: await listMail(LIMIT), limit: LIMIT };
}) satisfies PageServerLoad;
