import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { getDb } from '$lib/server/db.ts';
import { verifyAuditChain } from '../../../../../../../shared/audit.ts';
import type { RequestHandler } from './$types';

/** Seals what has committed, then walks the whole chain: `{ok, entries, firstBadId, unsealed}`. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	return json(await verifyAuditChain(getDb(), { seal: true }), { headers: { 'cache-control': 'no-store' } });
};
