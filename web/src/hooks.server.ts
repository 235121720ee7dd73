import { error, json, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { randomBytes } from 'node:crypto';
import { problem, statusTitle } from '$lib/server/api.ts';
import { SESSION_COOKIE, deleteSessionCookie, setSessionCookie, validateSessionToken } from '$lib/server/auth.ts';
import { closeDb } from '$lib/server/db.ts';
import { closeParsePool } from '$lib/server/parse-pool.ts';
import { closeTemporalClient } from '$lib/server/temporal.ts';
import { accountTaskDue, isAllowedWhileDue } from '$lib/server/account-gate.ts';
import { isApiToken, validateApiToken } from '$lib/server/tokens.ts';
import { chooseLocale, INTL_LOCALE, LOCALE_COOKIE } from '$lib/i18n/locale.ts';
import { i18nFor } from '$lib/i18n/index.ts';
import { checkOrigin } from '$lib/server/origin.ts';
import { textProblem } from '$runbooks/input-safety.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isApi = (url: URL) => url.pathname.startsWith('/api/');

function bearerToken(request: Request): string | null {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
	return match ? match[1] : null;
}

/**
 * JSON routes get no built-in CSRF check (STYLE rule 17): a state-changing API call that rides on
 * the session cookie must come from our own origin. Bearer tokens are not sent by browsers on
 * their own, so those calls need no Origin.
 */
const checkApiOrigin: Handle = ({ event, resolve }) => {
	const { request, url, cookies } = event;
	if (isApi(url) && !SAFE_METHODS.has(request.method) && !bearerToken(request) && cookies.get(SESSION_COOKIE)) {
		const refused = checkOrigin(request.headers.get('origin'), url);
		if (refused) return problem(403, 'Forbidden', `Cross-site request refused: ${refused.reason === 'missing' ? 'the Origin header is missing' : `it came from ${refused.from}, not ${url.origin}`}.`);
	}
	return resolve(event);
};

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Form posts to pages, checked here instead of by SvelteKit (svelte.config.js trusts every origin
 * so that this handle decides): the same rule as the API (loopback spellings of a loopback origin
 * are this site), and a refusal the person can read. SvelteKit's own refusal answered an enhanced
 * form with a body that is not an action result, so pressing "Sign in" did nothing visible. Here
 * an enhanced form gets an error result (the error page, with the reason and what to do), and a
 * form without JavaScript gets the error page's text.
 */
const checkFormOrigin: Handle = ({ event, resolve }) => {
	const { request, url } = event;
	const mediaType = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? '';
	if (isApi(url) || SAFE_METHODS.has(request.method) || ![...FORM_TYPES, 'text/plain'].includes(mediaType)) return resolve(event);
	const refused = checkOrigin(request.headers.get('origin'), url);
	if (!refused) return resolve(event);
	const { t } = i18nFor(event.locals.locale);
	const message =
		refused.reason === 'missing'
			? t('auth:crossSite.missing', { origin: url.origin })
			: t('auth:crossSite.otherSite', { from: refused.from, origin: url.origin });
	const body = { message, code: 'cross_site' };
	if (request.headers.get('x-sveltekit-action') === 'true') {
		return json({ type: 'error', status: 403, error: body }, { status: 403, headers: { 'cache-control': 'no-store' } });
	}
	throw error(403, body);
};

/** The first part of a page request that is not plain text (runbooks/input-safety.ts): a path segment, a query parameter or a form field. */
async function unsafePagePart(request: Request, url: URL): Promise<{ field: string; message: string } | undefined> {
	for (const segment of url.pathname.split('/')) {
		let decoded: string;
		try {
			decoded = decodeURIComponent(segment);
		} catch {
			return { field: 'path', message: 'is not valid percent-encoded UTF-8' };
		}
		const message = textProblem(decoded);
		if (message) return { field: 'path', message };
	}
	for (const [name, value] of url.searchParams) {
		const message = textProblem(name) ?? textProblem(value);
		if (message) return { field: name, message };
	}
	const mediaType = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? '';
	if (request.method !== 'POST' || !FORM_TYPES.includes(mediaType)) return undefined;
	let form: FormData;
	try {
		form = await request.clone().formData();
	} catch {
		return { field: '(form)', message: 'is not a readable form' };
	}
	for (const [name, value] of form) {
		const message = textProblem(name) ?? (typeof value === 'string' ? textProblem(value) : undefined);
		if (message) return { field: name, message };
	}
	return undefined;
}

/**
 * Pages and form actions get the rule the JSON API's body reader applies (no NUL, no lone
 * surrogate): such a value would otherwise reach PostgreSQL as a query parameter, or Temporal in
 * a decision, and fail there as a 500. JSON routes check their own paths and queries, so each
 * answers with the status its contract declares.
 */
const refuseUnsafePageInput: Handle = async ({ event, resolve }) => {
	if (isApi(event.url)) return resolve(event);
	const unsafe = await unsafePagePart(event.request, event.url);
	if (unsafe) throw error(400, { message: `${unsafe.field} ${unsafe.message}.`, code: 'invalid_input' });
	return resolve(event);
};

/**
 * Fills locals.user / locals.session from `Authorization: Bearer <token>` or the session cookie.
 * A bearer value with the `tend_` prefix is an API token (locals.apiToken); any other is a session token.
 */
const authenticate: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	event.locals.apiToken = null;
	const bearer = bearerToken(event.request);
	if (bearer && isApiToken(bearer)) {
		const valid = await validateApiToken(bearer);
		if (valid) {
			event.locals.user = valid.user;
			event.locals.apiToken = valid.token;
		}
		return resolve(event);
	}
	const token = bearer ?? event.cookies.get(SESSION_COOKIE);
	if (!token) return resolve(event);

	const valid = await validateSessionToken(token);
	if (!valid) {
		if (!bearer) deleteSessionCookie(event.cookies, event.url);
		return resolve(event);
	}
	event.locals.user = valid.user;
	event.locals.session = { id: valid.session.id, expiresAt: valid.session.expiresAt, secondFactorAt: valid.session.secondFactorAt };
	if (!bearer && valid.session.renewed) setSessionCookie(event.cookies, event.url, token, valid.session.expiresAt);
	return resolve(event);
};

/**
 * A person signed in with a password someone else chose, or without the second factor their roles
 * require, may do that one thing first: pages send them to it, the API refuses everything else
 * with a problem saying what to do. API tokens are not held back: a script cannot do either.
 */
const accountGate: Handle = async ({ event, resolve }) => {
	const { user, session } = event.locals;
	if (!user || !session) return resolve(event);
	const due = await accountTaskDue(user);
	if (!due || isAllowedWhileDue(event.request.method, event.url.pathname)) return resolve(event);
	if (isApi(event.url)) {
		return due === 'password'
			? problem(403, 'Forbidden', 'Change your password first: POST /api/v1/me/password {currentPassword, newPassword}.', undefined, undefined, { passwordChangeRequired: true })
			: problem(403, 'Forbidden', 'Your roles require a second factor: enrol one first (POST /api/v1/me/mfa/totp).', undefined, undefined, { mfaEnrolmentRequired: true });
	}
	const target = due === 'password' ? '/account/password' : '/account/mfa';
	const next = event.url.pathname + event.url.search;
	// Thrown, not returned: SvelteKit turns it into what a client-side navigation's data request understands.
	throw redirect(303, next === '/' ? target : `${target}?next=${encodeURIComponent(next)}`);
};

/**
 * Every error under /api/ is problem+json, including the ones SvelteKit answers itself
 * (unknown route, method not allowed, an error thrown in a handler).
 */
const apiProblems: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (!isApi(event.url) || response.status < 400) return response;
	const type = response.headers.get('content-type') ?? '';
	if (type.startsWith('application/problem+json')) return response;
	let detail: string | undefined;
	if (type.startsWith('application/json')) {
		const body = (await response.json().catch(() => null)) as { message?: unknown } | null;
		if (typeof body?.message === 'string') detail = body.message;
	}
	const allow = response.headers.get('allow');
	return problem(response.status, statusTitle(response.status), detail, undefined, allow ? { allow } : undefined);
};

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const headers: Record<string, string> = {
		'x-content-type-options': 'nosniff',
		'x-frame-options': 'DENY',
		'referrer-policy': 'strict-origin-when-cross-origin',
		'cross-origin-opener-policy': 'same-origin',
		'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
		// Script sources are left to SvelteKit (kit.csp); these directives do not touch its inline hydration script.
		'content-security-policy': "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
	};
	if (event.url.protocol === 'https:') headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
	for (const [name, value] of Object.entries(headers)) {
		// Responses from fetch() or redirects can have immutable headers; those are left as they are.
		try {
			if (!response.headers.has(name)) response.headers.set(name, value);
		} catch {
			break;
		}
	}
	return response;
};

/** The page's language (cookie, else Accept-Language), also written into `<html lang>`. */
const chooseLanguage: Handle = ({ event, resolve }) => {
	const locale = chooseLocale(event.cookies.get(LOCALE_COOKIE), event.request.headers.get('accept-language'));
	event.locals.locale = locale;
	return resolve(event, { transformPageChunk: ({ html }) => html.replace('%tend.lang%', INTL_LOCALE[locale]) });
};

/**
 * adapter-node emits 'sveltekit:shutdown' once SIGTERM has drained the HTTP server; ending the pool
 * the Temporal connection and the parse threads then lets the process exit on its own, before its database stops.
 */
export const init: ServerInit = () => {
	process.once('sveltekit:shutdown', () => void Promise.allSettled([closeDb(), closeTemporalClient(), closeParsePool()]));
};

export const handle = sequence(securityHeaders, checkApiOrigin, chooseLanguage, checkFormOrigin, refuseUnsafePageInput, authenticate, accountGate, apiProblems);

/** Logs the real error with a reference; the browser (or API client) only sees the reference. */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status < 500) return { message, code: status === 404 ? 'not_found' : undefined };
	const reference = randomBytes(4).toString('hex');
	console.error(`[tend web] ${reference} ${event.request.method} ${event.url.pathname} failed:`, error);
	return { message: `Something went wrong on our side (reference ${reference}). It has been logged.`, code: 'internal_error' };
};
