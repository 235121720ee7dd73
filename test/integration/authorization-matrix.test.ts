import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../db/schema/users.ts';
import { loginAsAdmin, webUrl } from '../helpers/api.ts';
import { AUTHORIZATION, type Verdict } from './authorization-matrix.ts';

/**
 * Every route in web/src/routes (each exported method of a +server.ts, each page load and form
 * action of a +page.server.ts) tried by every principal: anonymous, one user per role, and an
 * admin's API token scoped to viewer. The route's verdict for each comes from the one table,
 * authorization-matrix.ts. A request is denied when it gets 401 or 403, or is sent to /login (a
 * form action's own answer, as the enhanced form asks for it, not the page load after it); any
 * other answer (200, 404 for the made-up ids used here, 415 for the deliberately wrong bodies
 * that keep allowed calls from changing anything) means it got past authorization.
 */
const routesRoot = fileURLToPath(new URL('../../web/src/routes', import.meta.url));
const ROLES: readonly Role[] = ['admin', 'author', 'approver', 'responder', 'operator', 'viewer', 'member'];
type Principal = 'anonymous' | Role | 'token:viewer';
const PRINCIPALS: readonly Principal[] = ['anonymous', ...ROLES, 'token:viewer'];
/** These end the caller's session when allowed, so each principal tries them on a session of its own. */
const SESSION_ENDING = new Set(['DELETE /api/v1/session', 'POST /logout?/logout']);

function files(folder: string): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name)]));
}

/** `runs/[id]/+server.ts` → `/runs/[id]`; route groups `(name)` are not part of the URL. */
function routePath(file: string): string {
	const segments = relative(routesRoot, file).split(sep).slice(0, -1).filter((s) => !/^\(.*\)$/.test(s));
	return `/${segments.join('/')}`;
}

function discoverRoutes(): string[] {
	const routes: string[] = [];
	for (const file of files(routesRoot)) {
		const text = readFileSync(file, 'utf8');
		const path = routePath(file);
		if (file.endsWith(`${sep}+server.ts`)) {
			for (const [, method] of text.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)) routes.push(`${method} ${path}`);
		} else if (file.endsWith(`${sep}+page.server.ts`)) {
			if (/export const load\b/.test(text)) routes.push(`GET ${path}`);
			const actions = text.indexOf('export const actions');
			if (actions >= 0) for (const [, name] of text.slice(actions).matchAll(/^\t(\w+): async/gm)) routes.push(`POST ${path}?/${name}`);
		}
	}
	return routes.sort();
}

function expectedAllowed(verdict: Verdict, principal: Principal): boolean {
	if (verdict === 'everyone') return true;
	if (principal === 'anonymous') return false;
	if (verdict === 'signed-in') return true;
	if (verdict === 'session') return principal !== 'token:viewer';
	const role = principal === 'token:viewer' ? 'viewer' : principal;
	return role === 'admin' || verdict.includes(role);
}

const missing = { id: randomUUID(), name: `matrix-missing-${randomBytes(3).toString('hex')}`, stepId: 'matrix-step' };
const concrete = (route: string) => route.replace(/\[id\]/g, missing.id).replace(/\[name\]/g, missing.name).replace(/\[stepId\]/g, missing.stepId);

interface Credentials {
	headers: Record<string, string>;
}

async function attempt(route: string, who: Credentials): Promise<{ status: number; denied: boolean }> {
	const [method, target] = route.split(' ');
	const url = `${webUrl()}${concrete(target)}`;
	const isAction = target.includes('?/');
	const isApi = target.startsWith('/api/');
	const headers: Record<string, string> = { origin: webUrl(), ...who.headers };
	let body: string | undefined;
	if (method !== 'GET') {
		// A body no route accepts: an allowed caller gets 4xx from validation, never a change.
		body = isAction ? '' : 'matrix';
		headers['content-type'] = isAction ? 'application/x-www-form-urlencoded' : 'text/plain';
	}
	// An action asked for as the enhanced form does (`x-sveltekit-action`) answers for itself alone, without the page's load.
	if (isAction) Object.assign(headers, { accept: 'application/json', 'x-sveltekit-action': 'true' });
	else if (!isApi) headers.accept = 'text/html';
	const response = await fetch(url, { method, headers, body, redirect: 'manual' });
	const text = await response.text().catch(() => '');
	let status = response.status;
	let location = response.headers.get('location') ?? '';
	if (isAction && response.headers.get('content-type')?.startsWith('application/json')) {
		const result = JSON.parse(text) as { type?: string; status?: number; location?: string };
		status = result.status ?? status;
		if (result.type === 'redirect') location = result.location ?? '';
	}
	const toLogin = status >= 300 && status < 400 && location !== '' && new URL(location, url).pathname === '/login';
	const denied = status === 401 || status === 403 || (toLogin && !SESSION_ENDING.has(route));
	return { status, denied };
}

describe('the authorization matrix', () => {
	const routes = discoverRoutes();
	const credentials = new Map<Principal, () => Promise<Credentials>>();

	beforeAll(async () => {
		const admin = await loginAsAdmin();
		const password = randomBytes(12).toString('base64url');
		const suffix = randomBytes(3).toString('hex');
		const cookieOf = (headers: Headers) => headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
		const signIn = async (username: string, secret: string): Promise<Credentials> => {
			const response = await fetch(`${webUrl()}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: webUrl() }, body: JSON.stringify({ username, password: secret }) });
			if (response.status !== 200) throw new Error(`sign-in of ${username}: ${response.status}`);
			return { headers: { cookie: cookieOf(response.headers) } };
		};
		credentials.set('anonymous', async () => ({ headers: {} }));
		credentials.set('admin', () => signIn('admin', process.env.TEST_ADMIN_PASSWORD ?? ''));
		for (const role of ROLES.filter((r) => r !== 'admin')) {
			const username = `matrix-${role}-${suffix}`;
			expect((await admin.json('POST', '/api/v1/users', { username, password, roles: [role] })).status).toBe(201);
			credentials.set(role, () => signIn(username, password));
		}
		const token = await admin.json<{ token: string }>('POST', '/api/v1/tokens', { name: `matrix-${suffix}`, scopes: ['viewer'] });
		expect(token.status).toBe(201);
		credentials.set('token:viewer', async () => ({ headers: { authorization: `Bearer ${token.body.token}` } }));
	});

	it('classifies every route there is, and no route that is not', () => {
		const classified = Object.keys(AUTHORIZATION).sort();
		expect(routes.filter((r) => !(r in AUTHORIZATION)), 'routes missing from authorization-matrix.ts').toEqual([]);
		expect(classified.filter((r) => !routes.includes(r)), 'routes in authorization-matrix.ts that no longer exist').toEqual([]);
	});

	it('lets each principal past exactly the routes its verdict allows', async () => {
		const unexpectedAllows: string[] = [];
		const unexpectedDenials: string[] = [];
		let tried = 0;
		await Promise.all(
			PRINCIPALS.map(async (principal) => {
				const signIn = credentials.get(principal)!;
				const session = await signIn();
				for (const route of routes.filter((r) => r in AUTHORIZATION)) {
					const { status, denied } = await attempt(route, SESSION_ENDING.has(route) ? await signIn() : session);
					tried++;
					const allowed = expectedAllowed(AUTHORIZATION[route], principal);
					if (allowed && denied) unexpectedDenials.push(`${principal} ${route} → ${status}`);
					if (!allowed && !denied) unexpectedAllows.push(`${principal} ${route} → ${status}`);
				}
			})
		);
		console.log(`[authorization] ${routes.length} routes × ${PRINCIPALS.length} principals = ${tried} requests; ${unexpectedAllows.length} unexpected allows, ${unexpectedDenials.length} unexpected denials`);
		expect(unexpectedAllows).toEqual([]);
		expect(unexpectedDenials).toEqual([]);
	});
});
