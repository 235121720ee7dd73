import { fail, redirect } from '@sveltejs/kit';
import { changeOwnPassword } from '$lib/server/account.ts';
import { requireUser } from '$lib/server/guard.ts';
import { MIN_PASSWORD_LENGTH } from '$lib/server/password-policy.ts';
import { DEVICE_COOKIE } from '$lib/server/signed-values.ts';
import type { Actions, PageServerLoad } from './$types';

type Field = 'currentPassword' | 'newPassword' | 'confirmPassword';

/** Where to go once the password is changed: back where the person was headed, never off-site. */
const nextOf = (value: string | null) => (value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : null);

export const load = (({ locals, url }) => {
	const user = requireUser(locals, url);
	return { forced: user.mustChangePassword, next: nextOf(url.searchParams.get('next')), changed: url.searchParams.has('changed'), minLength: MIN_PASSWORD_LENGTH };
}) satisfies PageServerLoad;

export const actions = {
	change: async ({ locals, request, url, cookies, getClientAddress }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const currentPassword = String(form.get('currentPassword') ?? '');
		const newPassword = String(form.get('newPassword') ?? '');
		const confirmPassword = String(form.get('confirmPassword') ?? '');
		const errors: Partial<Record<Field, string>> = {};
		if (!currentPassword) errors.currentPassword = 'required';
		if (!newPassword) errors.newPassword = 'required';
		else if (newPassword !== confirmPassword) errors.confirmPassword = 'mismatch';
		if (Object.keys(errors).length) return fail(400, { errors, messages: {} as Partial<Record<Field, string>> });

		const result = await changeOwnPassword(user, { currentPassword, newPassword, keepSession: locals.session?.id, clientAddress: getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
		if (!result.ok) {
			if (result.field === 'newPassword') return fail(422, { errors: { newPassword: result.problem.code }, messages: { newPassword: result.problem.message } });
			return fail(result.code === 'rateLimited' ? 429 : 403, { errors: { currentPassword: result.code }, messages: {} as Partial<Record<Field, string>> });
		}
		const next = nextOf(String(form.get('next') ?? ''));
		throw redirect(303, next ?? '/account/password?changed');
	}
} satisfies Actions;
