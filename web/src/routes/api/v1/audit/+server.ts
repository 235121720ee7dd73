import { listAuditPage } from '$lib/server/audit.ts';
import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

/**
 * The audit log, newest first, for admins: exact `actor`, `action` and `subject`, a `from`/`to`
 * time range, and keyset paging (`before=<older>` from the previous answer).
 */
export const GET = route(contract.GET, async ({ query, json }) => json(200, await listAuditPage(query)));
