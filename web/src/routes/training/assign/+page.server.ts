import { fail, redirect } from '@sveltejs/kit';
import { asc, isNull } from 'drizzle-orm';
import { ROLES, users } from '$db/schema/index.ts';
import { getDb } from '$lib/server/db.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { trainingDeps } from '$lib/server/training.ts';
import { assignTraining, TrainingRequestError } from '$shared/training-assign.ts';
import { listTrainingModules } from '$shared/training-store.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, 'admin');
	const [modules, people] = await Promise.all([
		listTrainingModules(getDb()),
		getDb().select({ username: users.username, displayName: users.displayName }).from(users).where(isNull(users.disabledAt)).orderBy(asc(users.username))
	]);
	return { modules: modules.map((m) => ({ name: m.name, title: m.title, audience: m.audience })), people, roles: [...ROLES], module: url.searchParams.get('module') };
}) satisfies PageServerLoad;

export const actions = {
	assign: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const form = await request.formData();
		const values = {
			module: String(form.get('module') ?? ''),
			people: form.getAll('people').map(String),
			roles: form.getAll('roles').map(String),
			dueDays: String(form.get('dueDays') ?? '').trim()
		};
		if (!values.module) return fail(400, { values, error: 'module' as const });
		const assignees = [...values.people.map((p) => `user:${p}`), ...values.roles.map((r) => `role:${r}`)];
		if (!assignees.length) return fail(400, { values, error: 'assignees' as const });
		const days = values.dueDays === '' ? undefined : Number(values.dueDays);
		if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) return fail(400, { values, error: 'due' as const });
		let assigned: { ids: string[]; created: number };
		try {
			assigned = await assignTraining(await trainingDeps(), { module: values.module, assignees, due: days ? `P${days}D` : undefined, by: admin.username });
		} catch (err) {
			if (err instanceof TrainingRequestError) return fail(err.status === 404 ? 404 : 400, { values, error: 'refused' as const, message: err.message });
			throw err;
		}
		throw redirect(303, `/training/matrix?assigned=${assigned.ids.length}&created=${assigned.created}`);
	}
} satisfies Actions;
