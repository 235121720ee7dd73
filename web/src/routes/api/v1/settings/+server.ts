import { json } from '@sveltejs/kit';
import { apiUser, parseJsonBody } from '$lib/server/api.ts';
import { getSettings, settingsUpdateSchema, updateSettings } from '$lib/server/settings.ts';
import type { RequestHandler } from './$types';

/** The sign-in and token policy: `{tokens: {defaultDays, maxDays}, mfa: {requiredFor, stepUpMinutes}}`. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	return json(await getSettings({ fresh: true }));
};

/** Replaces the areas named (`tokens`, `mfa`), each whole; audited with what it was before. */
export const PUT: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const update = await parseJsonBody(request, settingsUpdateSchema);
	if (update instanceof Response) return update;
	return json(await updateSettings(update, caller.username));
};
