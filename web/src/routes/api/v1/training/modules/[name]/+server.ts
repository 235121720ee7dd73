import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { learnerModule } from '$lib/server/training.ts';
import { getTrainingModule } from '$shared/training-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, query, json, problem }) => {
	const module = await getTrainingModule(getDb(), params.name, query.version);
	if (!module) return problem(404, `No training module "${params.name}"${query.version ? ` version ${query.version}` : ''}.`);
	return json(200, learnerModule(module));
});
