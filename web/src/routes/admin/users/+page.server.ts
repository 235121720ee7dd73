import { fail, redirect } from '@sveltejs/kit';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { getSettings, mfaPolicySchema, tokenPolicySchema, updateSettings } from '$lib/server/settings.ts';
import { createUser, listUsers, newUserSchema, UserExistsError, UserUpdateRefusedError } from '$lib/server/users.ts';
import { listRoleDescriptions } from '$lib/server/views/users.ts';
import { isStale, STALE_ACCOUNT_DAYS } from '$shared/access-reviews.ts';
import type { Actions, PageServerLoad } from './$types';

type Field = 'username' | 'email' | 'password' | 'roles' | 'manager';
const FIELDS: readonly string[] = ['username', 'email', 'password', 'roles', 'manager'] satisfies Field[];

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, 'admin');
	const [users, roles, settings] = await Promise.all([listUsers(), listRoleDescriptions(), getSettings({ fresh: true })]);
	// Flagged like an access review flags them: no sign-in for STALE_ACCOUNT_DAYS.
	const stale = users.filter((u) => !u.disabled && isStale(u, STALE_ACCOUNT_DAYS)).map((u) => u.username);
	return { users, roles, settings, stale, staleDays: STALE_ACCOUNT_DAYS, created: url.searchParams.get('created'), policySaved: url.searchParams.has('policy') };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const form = await request.formData();
		// The password is deliberately not among the values sent back to the form.
		const values = {
			username: String(form.get('username') ?? '').trim(),
			email: String(form.get('email') ?? '').trim(),
			roles: form.getAll('roles').map(String),
			manager: String(form.get('manager') ?? ''),
			mustChangePassword: form.has('mustChangePassword')
		};
		const parsed = newUserSchema.safeParse({ ...values, manager: values.manager || null, password: String(form.get('password') ?? '') });
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
			if (err instanceof UserUpdateRefusedError) return fail(422, { values, errors: { manager: sentence(err.message) } as Partial<Record<Field, string>> });
			throw err;
		}
		throw redirect(303, `/admin/users?created=${encodeURIComponent(parsed.data.username)}`);
	},

	/** The sign-in policy: who must use a second factor, step-up, token lifetimes (as PUT /api/v1/settings). */
	policy: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const form = await request.formData();
		const numberOf = (name: string) => (String(form.get(name) ?? '').trim() === '' ? Number.NaN : Number(form.get(name)));
		const mfa = mfaPolicySchema.safeParse({ requiredFor: form.getAll('requiredFor').map(String), stepUpMinutes: numberOf('stepUpMinutes') });
		const tokens = tokenPolicySchema.safeParse({ defaultDays: numberOf('defaultDays'), maxDays: numberOf('maxDays') });
		if (!mfa.success || !tokens.success) {
			const policyErrors: Record<string, string> = {};
			for (const issue of [...(mfa.error?.issues ?? []), ...(tokens.error?.issues ?? [])]) policyErrors[String(issue.path[0])] ??= sentence(issue.message);
			return fail(400, { policyErrors });
		}
		await updateSettings({ mfa: mfa.data, tokens: tokens.data }, admin.username);
		throw redirect(303, '/admin/users?policy');
	}
} satisfies Actions;
