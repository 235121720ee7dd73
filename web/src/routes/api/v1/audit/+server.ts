import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { listAuditPage, parseAuditQuery } from '$lib/server/audit.ts';
import type { RequestHandler } from './$types';

/**
 * The audit log, newest first, for admins: exact `actor`, `action` and `subject`, a `from`/`to`
 * time range, and keyset paging (`before=<older>` from the previous answer).
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const parsed = parseAuditQuery(url.searchParams);
	if (parsed.errors) return problem(400, 'Bad Request', 'The query has values that cannot be used.', parsed.errors);
	return json(await listAuditPage(parsed.query));
};
