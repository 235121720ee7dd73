import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { keyStatus } from '$lib/server/keys.ts';
import type { RequestHandler } from './$types';

/** Admin: the key ring's ids (current first) and how many stored values each key still seals. Never a key. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	return json(await keyStatus(), { headers: { 'cache-control': 'no-store' } });
};
