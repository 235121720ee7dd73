import { route } from '$lib/server/contract/route.ts';
import { mfaStatus } from '$lib/server/mfa.ts';
import { getSettings, mfaRequiredFor } from '$lib/server/settings.ts';
import * as contract from './contract.ts';

/** Whether the caller has a second factor, whether their roles require one, and how many recovery codes are left. */
export const GET = route(contract.GET, async ({ caller, json }) => {
	const [status, settings] = await Promise.all([mfaStatus(caller.id), getSettings()]);
	return json(200, { ...status, required: mfaRequiredFor(caller.roles, settings.mfa) }, { 'cache-control': 'no-store' });
});
