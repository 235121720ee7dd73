import { route } from '$lib/server/contract/route.ts';
import { keyStatus } from '$lib/server/keys.ts';
import * as contract from './contract.ts';

/** Admin: the key ring's ids (current first) and how many stored values each key still seals. Never a key. */
export const GET = route(contract.GET, async ({ json }) => json(200, await keyStatus(), { 'cache-control': 'no-store' }));
