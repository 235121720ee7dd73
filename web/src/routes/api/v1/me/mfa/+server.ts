import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { mfaStatus } from '$lib/server/mfa.ts';
import { getSettings, mfaRequiredFor } from '$lib/server/settings.ts';
import type { RequestHandler } from './$types';

/** Whether the caller has a second factor, whether their roles require one, and how many recovery codes are left. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	const [status, settings] = await Promise.all([mfaStatus(caller.id), getSettings()]);
	return json({ ...status, required: mfaRequiredFor(caller.roles, settings.mfa) }, { headers: { 'cache-control': 'no-store' } });
};
