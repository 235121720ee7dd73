import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { RUNBOOK_AUTHORS } from '$lib/roles.ts';
import { PinError, pinRunbookVersion } from '$lib/server/runbooks.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({ version: z.number().int().positive() });

/**
 * Pins the version runs start when none is named — operators, schedules and child runs all get
 * it — for example back to the last good one. Pinning the latest unpins. Authors only; audited.
 */
export const PUT: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		const pinned = await pinRunbookVersion(params.name, body.version, caller.username);
		return pinned ? json(pinned) : problem(404, 'Not Found', `No runbook "${params.name}".`);
	} catch (error) {
		if (error instanceof PinError) return problem(422, 'Unprocessable Content', error.message, [{ path: 'version', message: 'is not a published version' }]);
		throw error;
	}
};

/** Unpins: runs start the latest version again. */
export const DELETE: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const pinned = await pinRunbookVersion(params.name, null, caller.username);
	return pinned ? json(pinned) : problem(404, 'Not Found', `No runbook "${params.name}".`);
};
