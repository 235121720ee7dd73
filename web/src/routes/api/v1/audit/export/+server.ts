import { AuditExportTooLargeError, signedAuditExport } from '$lib/server/audit.ts';
import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

/** Seals what has committed, then signs every matching entry into one file a third party can check. */
export const GET = route(contract.GET, async ({ query, caller, event, json, problem }) => {
	try {
		const file = await signedAuditExport(query, caller.username, new URL('/api/v1/audit/signing-keys', event.url).href);
		const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '');
		return json(200, file, { 'content-disposition': `attachment; filename="tend-audit-${stamp}.json"`, 'cache-control': 'no-store' });
	} catch (error) {
		if (error instanceof AuditExportTooLargeError) return problem(422, error.message);
		throw error;
	}
});
