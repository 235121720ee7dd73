import { route } from '$lib/server/contract/route.ts';
import { drillRunsOf, drillVersionList, getDrill } from '$lib/server/drills.ts';
import { getDb } from '$lib/server/db.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const drill = await getDrill(getDb(), params.name);
	if (!drill) return problem(404, `No drill "${params.name}".`);
	const versions = (await drillVersionList(getDb(), params.name)).map((v) => ({ version: v.version, publishedAt: v.publishedAt.toISOString() }));
	return json(200, { name: drill.name, title: drill.title, target: drill.target, version: drill.version, source: drill.source, document: drill.document, versions, runs: await drillRunsOf(params.name) });
});
