import { operation } from '$lib/server/contract/operation.ts';
import { targetConnectionsSchema } from '$lib/server/contract/schemas.ts';
import { RUN_STARTERS } from '$lib/roles.ts';
import { targetParams } from '../contract.ts';

export const POST = operation({
	summary: 'Test connection: reach each database (5 s connect timeout) and GET each URL (5 s, redirects not followed)',
	description: 'Whoever may start runs may ask. A failure to reach one is a finding (200 with `ok: false`), not an error of this call.',
	access: RUN_STARTERS,
	params: targetParams,
	responses: { 200: { description: 'What was reached; a failure is `ok: false` with its reason', schema: targetConnectionsSchema }, 404: 'No such target.' }
});
