import { route } from '$lib/server/contract/route.ts';
import { listRunsPage, parseRunFilter } from '$lib/server/views/runs.ts';
import * as contract from './contract.ts';

/**
 * Runs newest first, under the same filters as the /runs page (runbook, status, initiator, target,
 * from/to days in `tz`), a page at a time by keyset.
 */
export const GET = route(contract.GET, async ({ event, json, problem }) => {
	const limit = Math.min(Math.max(Number(event.url.searchParams.get('limit')) || 50, 1), 200);
	const { filter, errors } = parseRunFilter(event.url.searchParams);
	if (errors.length) return problem(400, 'The query has values that cannot be used.', errors);
	const page = await listRunsPage(filter, limit);
	return json(200, { runs: page.runs, older: page.older, newer: page.newer });
});
