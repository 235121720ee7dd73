import { fail, redirect } from '@sveltejs/kit';
import { setSessionCookie } from '$lib/server/auth.ts';
import { attemptLogin } from '$lib/server/login.ts';
import type { Actions, PageServerLoad } from './$types';

/** Only a path on this site may be a destination after sign-in; anything else goes home. */
function safeNext(value: unknown, url: URL): string {
	if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
	try {
		const target = new URL(value, url.origin);
		return target.origin === url.origin ? target.pathname + target.search + target.hash : '/';
	} catch {
		return '/';
	}
}

export const load = (({ locals, url }) => {
	const next = safeNext(url.searchParams.get('next'), url);
	if (locals.user) throw redirect(303, next);
	return { next };
}) satisfies PageServerLoad;

export const actions = {
	login: async ({ request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const username = String(form.get('username') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const next = safeNext(form.get('next'), url);
		if (!username || !password) return fail(400, { username, code: 'missing', message: 'Enter your username and password.' });

		const result = await attemptLogin({ username, password, clientAddress: getClientAddress() });
		if (!result.ok) {
			if (result.reason === 'rate_limited') {
				const minutes = Math.ceil(result.retryAfterSeconds / 60);
				return fail(429, { username, code: 'rateLimited', minutes, message: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` });
			}
			return fail(400, { username, code: 'wrong', message: 'Wrong username or password.' });
		}
		setSessionCookie(cookies, url, result.token, result.expiresAt);
		throw redirect(303, next);
	}
} satisfies Actions;
