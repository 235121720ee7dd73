import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { markSecondFactor } from '$lib/server/auth.ts';
import { verifySecondFactor } from '$lib/server/mfa.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({ code: z.string().trim().min(1, 'is required').max(32) });

/** Proves the second factor again for this session, before a decision that asks for a fresh one. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (!locals.session) return problem(403, 'Forbidden', 'A second factor is proved by a signed-in session, not an API token.');
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	if (!(await verifySecondFactor(caller.id, body.code))) return problem(422, 'Unprocessable Content', 'That code does not pass.', [{ path: 'code', message: 'is not a current code or an unused recovery code' }]);
	const at = new Date();
	await markSecondFactor(locals.session.id, at);
	return json({ secondFactorAt: at.toISOString() });
};
