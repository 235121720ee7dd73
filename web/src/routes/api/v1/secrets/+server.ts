import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { listSecrets } from '$shared/secret-store.ts';
import * as contract from './contract.ts';

/** Names and when each was last set; a value is never read back (admin only). */
export const GET = route(contract.GET, async ({ json }) => json(200, { secrets: await listSecrets(getDb()) }));
