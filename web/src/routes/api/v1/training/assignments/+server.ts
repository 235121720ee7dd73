import { eq } from 'drizzle-orm';
import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { trainingDeps } from '$lib/server/training.ts';
import { hasRole } from '$lib/roles.ts';
import { users } from '$db/schema/index.ts';
import { assignTraining, TrainingRequestError } from '$shared/training-assign.ts';
import { listAssignments } from '$shared/training-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ caller, query, json, problem }) => {
	const who = query.user ?? 'me';
	let userId: string | undefined = caller.id;
	if (who !== 'me' && who !== caller.username) {
		if (!hasRole(caller, 'admin')) return problem(403, 'Only an admin may see other people’s assignments.');
		if (who === '*') userId = undefined;
		else {
			const [user] = await getDb().select({ id: users.id }).from(users).where(eq(users.username, who));
			if (!user) return problem(404, `No user "${who}".`);
			userId = user.id;
		}
	}
	return json(200, { assignments: await listAssignments(getDb(), { userId, module: query.module, status: query.status }) });
});

export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	try {
		const assigned = await assignTraining(await trainingDeps(), { module: body.module, assignees: body.assignees, due: body.due, by: caller.username });
		return json(201, assigned);
	} catch (error) {
		if (error instanceof TrainingRequestError) return error.status === 404 ? problem(404, error.message) : problem(422, error.message, [{ path: error.path, message: error.message }]);
		throw error;
	}
});
