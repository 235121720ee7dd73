import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { parseTargetOffThread } from '$lib/server/parse-pool.ts';
import { listTargets, putTarget } from '$shared/target-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { targets: await listTargets(getDb()) }));

/** Targets as code: the body is the document (YAML or JSON); a valid one registers or replaces the target of its name. */
export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	const put = await putTarget(getDb(), body.source, body.mediaType, { id: caller.id, username: caller.username }, parseTargetOffThread);
	if (!put.ok) return problem(422, 'The target is not valid; nothing was changed.', put.errors);
	return json(put.created ? 201 : 200, { name: put.name, changed: put.changed }, { location: `/api/v1/targets/${put.name}` });
});
