import { markSecondFactor } from '$lib/server/auth.ts';
import { route } from '$lib/server/contract/route.ts';
import { verifySecondFactor } from '$lib/server/mfa.ts';
import * as contract from './contract.ts';

/** Proves the second factor again for this session, before a decision that asks for a fresh one. */
export const POST = route(contract.POST, async ({ caller, body, event, json, problem }) => {
	const session = event.locals.session;
	if (!session) return problem(403, 'A second factor is proved by a signed-in session, not an API token.');
	if (!(await verifySecondFactor(caller.id, body.code))) return problem(422, 'That code does not pass.', [{ path: 'code', message: 'is not a current code or an unused recovery code' }]);
	const at = new Date();
	await markSecondFactor(session.id, at);
	return json(200, { secondFactorAt: at.toISOString() });
});
