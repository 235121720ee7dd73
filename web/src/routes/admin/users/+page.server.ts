import { fail, redirect } from '@sveltejs/kit';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { createUser, listUsers, newUserSchema, UserExistsError } from '$lib/server/users.ts';
import { listRoleDescriptions } from '$lib/server/views/users.ts';
import type { Actions, PageServerLoad } from './$types';

type Field = 'username' | 'email' | 'password' | 'roles';
const FIELDS: readonly string[] = ['username', 'email', 'password', 'roles'] satisfies Field[];

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, 'admin');
	const [users, roles] = await Promise.all([listUsers(), listRoleDescriptions()]);
	return { users, roles, created: url.searchParams.get('created') };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const form = await request.formData();
		// The password is deliberately not among the values sent back to the form.
		const values = {
			username: String(form.get('username') ?? '').trim(),
			email: String(form.get('email') ?? '').trim(),
			roles: form.getAll('roles').map(String)
		};
		const parsed = newUserSchema.safeParse({ ...values, password: String(form.get('password') ?? '') });
		if (!parsed.success) {
			const errors: Partial<Record<Field, string>> = {};
			for (const issue of parsed.error.issues) {
				const key = String(issue.path[0] ?? '');
				if (FIELDS.includes(key)) errors[key as Field] ??= sentence(issue.message);
			}
			return fail(400, { values, errors });
		}
		try {
			await createUser(parsed.data, admin.username);
		} catch (err) {
			if (err instanceof UserExistsError) return fail(409, { values, errors: { username: 'That username is already taken.' } as Partial<Record<Field, string>>, taken: true });
			throw err;
		}
		throw redirect(303, `/admin/users?created=${encodeURIComponent(parsed.data.username)}`);
	}
} satisfies Actions;
