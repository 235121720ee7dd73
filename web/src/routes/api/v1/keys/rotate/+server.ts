import { route } from '$lib/server/contract/route.ts';
import { rotateKeys } from '$lib/server/keys.ts';
import * as contract from './contract.ts';

/**
 * Admin: re-seals every stored secret with the current key (the first of TEND_SECRET_KEYS). Safe
 * to repeat and to run while runs are in flight: any key of the ring still opens what it sealed.
 */
export const POST = route(contract.POST, async ({ caller, json }) => json(200, await rotateKeys(caller), { 'cache-control': 'no-store' }));
