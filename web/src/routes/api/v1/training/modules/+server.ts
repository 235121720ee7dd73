import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { parseTrainingModuleOffThread } from '$lib/server/parse-pool.ts';
import { listTrainingModules, publishTrainingModule } from '$shared/training-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { modules: await listTrainingModules(getDb()) }));

export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	const parsed = await parseTrainingModuleOffThread(body.source);
	if (!parsed.ok) return problem(422, 'The training module is not valid; nothing was published.', parsed.errors);
	const published = await publishTrainingModule(getDb(), parsed.document, body.source, { id: caller.id, username: caller.username });
	return json(published.created ? 201 : 200, published, { location: `/api/v1/training/modules/${published.name}` });
});
