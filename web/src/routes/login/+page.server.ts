import { fail, redirect, type Cookies } from '@sveltejs/kit';
import { setDeviceCookie, setSessionCookie } from '$lib/server/auth.ts';
import { attemptLogin, completeLogin, type LoginResult } from '$lib/server/login.ts';
import { DEVICE_COOKIE } from '$lib/server/signed-values.ts';
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

/**
 * What a failed step answers the form with. `codeStep` keeps the form on the second step (the
 * code), carrying the signed pending value the first step issued, never the password.
 */
function failure(result: Exclude<LoginResult, { ok: true }>, username: string, pending?: string) {
	switch (result.reason) {
		case 'rate_limited': {
			const minutes = Math.ceil(result.retryAfterSeconds / 60);
			return fail(429, { username, pending, code: 'rateLimited', minutes, message: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` });
		}
		case 'code_required':
			return fail(401, { username, pending: result.pending, code: 'codeRequired', message: 'Enter the code from your authenticator app.' });
		case 'code_invalid':
			return fail(401, { username, pending, code: 'codeInvalid', message: 'That code is wrong or was already used.' });
		case 'disabled':
			return fail(403, { username, code: 'disabled', message: 'This account is disabled. Ask an admin.' });
		default:
			return fail(400, { username, code: pending ? 'expired' : 'wrong', message: pending ? 'The sign-in took too long. Start again.' : 'Wrong username or password.' });
	}
}

function signedIn(cookies: Cookies, url: URL, result: Extract<LoginResult, { ok: true }>, next: string): never {
	setSessionCookie(cookies, url, result.token, result.expiresAt);
	setDeviceCookie(cookies, url, result.device);
	// The account gate (hooks.server.ts) sends someone with a password to replace or a second factor to enrol there first.
	throw redirect(303, next);
}

export const actions = {
	login: async ({ request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const username = String(form.get('username') ?? '').trim();
		const password = String(form.get('password') ?? '');
		const next = safeNext(form.get('next'), url);
		if (!username || !password) return fail(400, { username, code: 'missing', message: 'Enter your username and password.' });
		const result = await attemptLogin({ username, password, clientAddress: getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
		if (!result.ok) return failure(result, username);
		signedIn(cookies, url, result, next);
	},

	/** The second step: the code (or a recovery code) for the account the first step checked. */
	code: async ({ request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const pending = String(form.get('pending') ?? '');
		const username = String(form.get('username') ?? '');
		const code = String(form.get('code') ?? '').trim();
		const next = safeNext(form.get('next'), url);
		if (!code) return fail(400, { username, pending, code: 'codeMissing', message: 'Enter the code from your authenticator app.' });
		const result = await completeLogin({ pending, code, clientAddress: getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
		if (!result.ok) return failure(result, username, pending);
		signedIn(cookies, url, result, next);
	}
} satisfies Actions;
