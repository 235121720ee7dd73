import { publishedAuditKeys } from '$lib/server/audit.ts';
import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, ({ json }) => json(200, { keys: publishedAuditKeys() }));
