import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { parseDrillOffThread } from '$lib/server/parse-pool.ts';
import { listDrills, publishDrill } from '$shared/drill-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => {
	const drills = await listDrills(getDb());
	return json(200, { drills: drills.map((d) => ({ name: d.name, title: d.title, target: d.target, version: d.version, fault: d.document.spec.scenario.fault, recovery: d.document.spec.recovery.runbook })) });
});

export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	const published = await publishDrill(getDb(), body.source, { id: caller.id, username: caller.username }, { parse: parseDrillOffThread });
	if (!published.ok) return problem(422, 'The drill is not valid; nothing was published.', published.errors);
	const { ok: _ok, ...answer } = published;
	return json(published.created ? 201 : 200, answer, { location: `/api/v1/drills/${published.name}` });
});
