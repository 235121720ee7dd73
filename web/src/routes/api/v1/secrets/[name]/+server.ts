import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { getDb } from '$lib/server/db.ts';
import { config } from '../../../../../../../shared/config.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE, storeSecret } from '../../../../../../../shared/secret-store.ts';
import { secretKeys } from '../../../../../../../shared/secrets.ts';
import type { RequestHandler } from './$types';

const body = z.strictObject({ value: z.string().min(1, 'must not be empty').max(65_536, 'must be at most 64 KiB') });

/** Sets a secret (admin only). Write-only: the answer is 204 with no body, and nothing ever shows the value again. */
export const PUT: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	if (!SECRET_NAME_PATTERN.test(params.name)) return problem(422, 'Unprocessable Content', 'The secret name in the path is not valid.', [{ path: 'name', message: SECRET_NAME_RULE }]);
	const input = await parseJsonBody(request, body);
	if (input instanceof Response) return input;
	await storeSecret(getDb(), secretKeys(config()), params.name, input.value, { username: caller.username });
	return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
};
