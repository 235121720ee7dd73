import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { getTarget } from '../../../../../../../shared/target-store.ts';
import type { RequestHandler } from './$types';

/** The target's document as published: it holds `secret:NAME` references, never a secret's value. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const target = await getTarget(getDb(), params.name);
	if (!target) return problem(404, 'Not Found', `No target "${params.name}".`);
	return json(target);
};
