import { route } from '$lib/server/contract/route.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import { diffRunbooks } from '$runbooks/diff.ts';
import * as contract from './contract.ts';

/** `?from=1&to=2` (to defaults to the latest): a unified patch of the sources and which steps changed. */
export const GET = route(contract.GET, async ({ params, query, json, problem }) => {
	const [older, newer] = await Promise.all([getRunbook(params.name, query.from), getRunbook(params.name, query.to)]);
	if (!older || !newer) return problem(404, `Runbook "${params.name}" has no such version.`);
	const diff = diffRunbooks(older.version.source, newer.version.source, { old: `v${older.version.version}`, new: `v${newer.version.version}` });
	return json(200, { from: older.version.version, to: newer.version.version, ...diff });
});
