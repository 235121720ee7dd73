import { apiUser } from '$lib/server/api.ts';
import { getDb } from '$lib/server/db.ts';
import { matrixCsv, trainingMatrix } from '$lib/server/training.ts';
import type { RequestHandler } from './$types';

/** The admin's training matrix as CSV, for a spreadsheet or an auditor. */
export const GET: RequestHandler = async ({ locals }) => {
	const user = apiUser(locals, 'admin');
	if (user instanceof Response) return user;
	const csv = matrixCsv(await trainingMatrix(getDb()));
	return new Response(csv, {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="training-matrix-${new Date().toISOString().slice(0, 10)}.csv"`, 'cache-control': 'no-store' }
	});
};
