import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import { diffRunbooks } from '../../../../../../../../runbooks/diff.ts';
import type { RequestHandler } from './$types';

const versionParam = z.coerce.number().int().min(1);

/** `?from=1&to=2` (to defaults to the latest): a unified patch of the sources and which steps changed. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const from = versionParam.safeParse(url.searchParams.get('from'));
	if (!from.success) return problem(400, 'Bad Request', 'Name the older version: ?from=N (and optionally &to=M).', [{ path: 'from', message: 'must be a version number' }]);
	const to = url.searchParams.has('to') ? versionParam.safeParse(url.searchParams.get('to')) : null;
	if (to && !to.success) return problem(400, 'Bad Request', 'The newer version must be a number.', [{ path: 'to', message: 'must be a version number' }]);
	const [older, newer] = await Promise.all([getRunbook(params.name, from.data), getRunbook(params.name, to?.data)]);
	if (!older || !newer) return problem(404, 'Not Found', `Runbook "${params.name}" has no such version.`);
	const diff = diffRunbooks(older.version.source, newer.version.source, { old: `v${older.version.version}`, new: `v${newer.version.version}` });
	return json({ from: older.version.version, to: newer.version.version, ...diff });
};
