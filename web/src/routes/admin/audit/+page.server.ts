import { getDb } from '$lib/server/db.ts';
import { auditFilterChoices, lastScheduledVerification, listAuditPage } from '$lib/server/audit.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { GET as listContract } from '../../api/v1/audit/contract.ts';
import { verifyAuditChain } from '$shared/audit.ts';
import type { Actions, PageServerLoad } from './$types';

const FILTERS = ['actor', 'action', 'subject', 'from', 'to', 'before', 'limit'] as const;

/** Admin only, as GET /api/v1/audit: the same filters, read from the address so a filtered view can be shared. */
export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, 'admin');
	const given = Object.fromEntries(FILTERS.map((name) => [name, url.searchParams.get(name)?.trim() || undefined]).filter(([, v]) => v !== undefined));
	const parsed = listContract.query.safeParse(given);
	// A field that does not parse is named on the page and left out; the others still filter.
	const invalid = parsed.success ? [] : [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
	const filter = parsed.success ? parsed.data : listContract.query.parse(Object.fromEntries(Object.entries(given).filter(([k]) => !invalid.includes(k))));
	const [page, choices, scheduled] = await Promise.all([listAuditPage(filter), auditFilterChoices(), lastScheduledVerification()]);
	return { ...page, filter: { ...filter, limit: undefined }, given, invalid, choices, scheduled };
}) satisfies PageServerLoad;

export const actions = {
	/** Seals what has committed and walks the whole chain, as GET /api/v1/audit/verify. */
	verify: async ({ locals }) => {
		requireRole(locals, 'admin');
		return { verification: await verifyAuditChain(getDb(), { seal: true }) };
	}
} satisfies Actions;
