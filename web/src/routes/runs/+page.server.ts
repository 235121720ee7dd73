import { RUN_STATUSES } from '../../../../db/schema/runs.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { listRunbookTitles } from '$lib/server/views/runbooks.ts';
import { listRunsPage, parseRunFilter, runFilterChoices } from '$lib/server/views/runs.ts';
import type { PageServerLoad } from './$types';

const PAGE_SIZES = [25, 50] as const;

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	// A value that cannot be used (a mistyped status, a stale cursor) is dropped: the page still shows runs.
	const { filter } = parseRunFilter(url.searchParams);
	const size = Number(url.searchParams.get('size'));
	const pageSize = (PAGE_SIZES as readonly number[]).includes(size) ? size : PAGE_SIZES[0];
	const [page, runbooks, choices] = await Promise.all([listRunsPage(filter, pageSize), listRunbookTitles(), runFilterChoices()]);
	return { ...page, runbooks, ...choices, filter, pageSize, pageSizes: PAGE_SIZES, statuses: RUN_STATUSES };
}) satisfies PageServerLoad;
