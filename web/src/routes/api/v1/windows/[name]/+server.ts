import { route } from '$lib/server/contract/route.ts';
import { getWindowView } from '$lib/server/windows.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const window = await getWindowView(params.name, new Date(), 5);
	if (!window) return problem(404, `No window "${params.name}".`);
	return json(200, window);
});
