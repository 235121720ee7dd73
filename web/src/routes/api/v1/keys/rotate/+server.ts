import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { rotateKeys } from '$lib/server/keys.ts';
import type { RequestHandler } from './$types';

/**
 * Admin: re-seals every stored secret with the current key (the first of TEND_SECRET_KEYS). Safe
 * to repeat and to run while runs are in flight: any key of the ring still opens what it sealed.
 */
export const POST: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	return json(await rotateKeys(caller), { headers: { 'cache-control': 'no-store' } });
};
