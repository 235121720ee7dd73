import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { config } from '$shared/config.ts';
import { storeSecret } from '$shared/secret-store.ts';
import { secretKeys } from '$shared/secrets.ts';
import * as contract from './contract.ts';

/** Sets a secret (admin only). Write-only: the answer is 204 with no body, and nothing ever shows the value again. */
export const PUT = route(contract.PUT, async ({ caller, params, body, send }) => {
	await storeSecret(getDb(), secretKeys(config()), params.name, body.value, { username: caller.username });
	return send(204, null, { 'cache-control': 'no-store' });
});
