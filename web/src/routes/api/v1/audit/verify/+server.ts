import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { verifyAuditChain } from '$shared/audit.ts';
import * as contract from './contract.ts';

/** Seals what has committed, then walks the whole chain: `{ok, entries, firstBadId, unsealed}`. */
export const GET = route(contract.GET, async ({ json }) => json(200, await verifyAuditChain(getDb(), { seal: true }), { 'cache-control': 'no-store' }));
