import { RUN_STATUSES, type RunStatus } from '../../../../db/schema/runs.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { listRunbookTitles } from '$lib/server/views/runbooks.ts';
import { listRunsPage } from '$lib/server/views/runs.ts';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

const isRunStatus = (value: string | null): value is RunStatus => (RUN_STATUSES as readonly string[]).includes(value ?? '');

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	const status = url.searchParams.get('status');
	const filter = {
		status: isRunStatus(status) ? status : undefined,
		runbook: url.searchParams.get('runbook') || undefined,
		before: url.searchParams.get('before') || undefined
	};
	const [page, runbooks] = await Promise.all([listRunsPage(filter, PAGE_SIZE), listRunbookTitles()]);
	return { ...page, runbooks, filter, statuses: RUN_STATUSES };
}) satisfies PageServerLoad;
