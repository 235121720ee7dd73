import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Liveness for load balancers, and the demo CRM target's health URL. No auth, no database. */
export const GET: RequestHandler = () => json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
