import { json } from '@sveltejs/kit';
import { readiness } from '$lib/server/readiness.ts';
import type { RequestHandler } from './$types';

/**
 * Readiness for load balancers and the launcher's operators: 200 when the database, Temporal and a
 * polling worker all answer, else 503 naming the failed checks. No auth; it says nothing secret.
 * Liveness (the process runs) stays at /healthz.
 */
export const GET: RequestHandler = async () => {
	const { ready, checks } = await readiness();
	const failed = Object.entries(checks)
		.filter(([, check]) => !check.ok)
		.map(([name]) => name);
	return json({ status: ready ? 'ready' : 'not ready', failed, checks }, { status: ready ? 200 : 503, headers: { 'cache-control': 'no-store' } });
};
