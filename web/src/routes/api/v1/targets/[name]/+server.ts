import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { getTarget } from '$shared/target-store.ts';
import * as contract from './contract.ts';

/** The target's document as published: it holds `secret:NAME` references, never a secret's value. */
export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const target = await getTarget(getDb(), params.name);
	if (!target) return problem(404, `No target "${params.name}".`);
	return json(200, target);
});
