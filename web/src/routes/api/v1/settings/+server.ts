import { route } from '$lib/server/contract/route.ts';
import { getSettings, updateSettings } from '$lib/server/settings.ts';
import * as contract from './contract.ts';

/** The sign-in and token policy: `{tokens: {defaultDays, maxDays}, mfa: {requiredFor, stepUpMinutes}}`. */
export const GET = route(contract.GET, async ({ json }) => json(200, await getSettings({ fresh: true })));

/** Replaces the areas named (`tokens`, `mfa`), each whole; audited with what it was before. */
export const PUT = route(contract.PUT, async ({ caller, body, json }) => json(200, await updateSettings(body, caller.username)));
