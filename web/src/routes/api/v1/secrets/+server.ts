import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { getDb } from '$lib/server/db.ts';
import { listSecrets } from '../../../../../../shared/secret-store.ts';
import type { RequestHandler } from './$types';

/** Names and when each was last set; a value is never read back (admin only). */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	return json({ secrets: await listSecrets(getDb()) });
};
