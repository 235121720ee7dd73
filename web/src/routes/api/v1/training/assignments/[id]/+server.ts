import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { assignmentDetail, trainingDeps } from '$lib/server/training.ts';
import { unassignTraining } from '$shared/training-assign.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ caller, params, json, problem }) => {
	const detail = await assignmentDetail(getDb(), params.id, caller);
	if (!detail) return problem(404, 'No such assignment.');
	return json(200, detail);
});

export const DELETE = route(contract.DELETE, async ({ caller, params, send, problem }) => {
	const closed = await unassignTraining(await trainingDeps(), params.id, caller.username);
	return closed ? send(204) : problem(404, 'No such open assignment.');
});
