import { error, fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { removeSecondFactor } from '$lib/server/mfa.ts';
import { getUser, listUsers, updateUser, userUpdateSchema, UserNotFoundError, UserUpdateRefusedError } from '$lib/server/users.ts';
import { listRoleDescriptions } from '$lib/server/views/users.ts';
import { resetPassword, UnknownUserError } from '$shared/account-passwords.ts';
import { config } from '$shared/config.ts';
import { forgetFirstAdminPassword } from '$shared/first-admin.ts';
import type { Actions, PageServerLoad } from './$types';

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');

export const load = (async ({ locals, url, params }) => {
	requireUser(locals, url);
	const admin = requireRole(locals, 'admin');
	const [user, users, roles] = await Promise.all([getUser(params.username), listUsers(), listRoleDescriptions()]);
	if (!user) throw error(404, { message: `There is no user named "${params.username}".`, code: 'not_found' });
	return { user, roles, people: users.filter((u) => u.username !== user.username && !u.disabled).map((u) => u.username), isSelf: admin.id === user.id, saved: url.searchParams.get('saved') };
}) satisfies PageServerLoad;

/** Runs one change as PATCH /api/v1/users/{username} would; a refusal comes back beside its field. */
async function change(locals: App.Locals, username: string, update: unknown, saved: string) {
	const admin = requireRole(locals, 'admin');
	const parsed = userUpdateSchema.safeParse(update);
	if (!parsed.success) {
		const errors: Record<string, string> = {};
		for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= sentence(issue.message);
		return fail(400, { errors });
	}
	try {
		await updateUser(username, parsed.data, admin);
	} catch (err) {
		if (err instanceof UserNotFoundError) throw error(404, { message: err.message, code: 'not_found' });
		if (err instanceof UserUpdateRefusedError) return fail(409, { errors: { [err.path]: sentence(err.message) } });
		throw err;
	}
	throw redirect(303, `/admin/users/${encodeURIComponent(username)}?saved=${saved}`);
}

export const actions = {
	save: async ({ locals, params, request }) => {
		const form = await request.formData();
		return change(
			locals,
			params.username,
			{ displayName: String(form.get('displayName') ?? ''), email: String(form.get('email') ?? '').trim(), roles: form.getAll('roles').map(String), manager: String(form.get('manager') ?? '') || null },
			'details'
		);
	},
	disable: async ({ locals, params }) => change(locals, params.username, { disabled: true }, 'disabled'),
	enable: async ({ locals, params }) => change(locals, params.username, { disabled: false }, 'enabled'),

	/** A one-time password, shown once in this answer; the person must replace it at the next sign-in. */
	resetPassword: async ({ locals, params }) => {
		const admin = requireRole(locals, 'admin');
		try {
			const reset = await resetPassword(getDb(), params.username, admin.username);
			forgetFirstAdminPassword(config().TEND_HOME, reset.username);
			return { oneTimePassword: reset.password };
		} catch (err) {
			if (err instanceof UnknownUserError) throw error(404, { message: err.message, code: 'not_found' });
			throw err;
		}
	},

	removeMfa: async ({ locals, params }) => {
		const admin = requireRole(locals, 'admin');
		await removeSecondFactor(params.username, admin.username);
		throw redirect(303, `/admin/users/${encodeURIComponent(params.username)}?saved=mfa`);
	}
} satisfies Actions;
