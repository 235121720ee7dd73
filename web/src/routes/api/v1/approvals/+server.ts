import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { approvalsFor } from '$lib/server/approvals.ts';
import type { RequestHandler } from './$types';

/** The approvals inbox: what the caller may decide now, oldest first. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	const approvals = await approvalsFor({ id: caller.id, username: caller.username, roles: [...caller.roles] });
	return json({ approvals }, { headers: { 'cache-control': 'no-store' } });
};
