import { approvalsFor } from '$lib/server/approvals.ts';
import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

/** The approvals inbox: what the caller may decide now, oldest first. */
export const GET = route(contract.GET, async ({ caller, json }) => {
	const approvals = await approvalsFor({ id: caller.id, username: caller.username, roles: [...caller.roles] });
	return json(200, { approvals }, { 'cache-control': 'no-store' });
});
