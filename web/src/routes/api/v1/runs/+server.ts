import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { listRunsPage, parseRunFilter } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

/**
 * Runs newest first, under the same filters as the /runs page (runbook, status, initiator, target,
 * from/to days in `tz`), a page at a time by keyset: pass `before=<older>` or `after=<newer>` from
 * the previous answer.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const limit = Math.min(Math.max(Number(url.searchParams.get('limit')) || 50, 1), 200);
	const { filter, errors } = parseRunFilter(url.searchParams);
	if (errors.length) return problem(400, 'Bad Request', 'The query has values that cannot be used.', errors);
	const page = await listRunsPage(filter, limit);
	return json({ runs: page.runs, older: page.older, newer: page.newer });
};
