import { STATUS_CODES } from 'node:http';
import type { Role } from '../../../../db/schema/index.ts';
import { describeRoles, hasRole } from '../roles.ts';
import type { SessionUser } from './auth.ts';

/** One field-level problem, addressed by its path in the request body (`roles[1]`, `password`). */
export interface FieldError {
	path: string;
	message: string;
	/** Where in a submitted document (YAML or JSON), when the body is one. */
	line?: number;
	column?: number;
}

/** An RFC 9457 problem document; `extensions` are extra members a client can act on (`mfaRequired`, ...). */
export function problem(status: number, title: string, detail?: string, errors?: FieldError[], headers?: HeadersInit, extensions?: Record<string, unknown>): Response {
	const body = { type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...(errors?.length ? { errors } : {}), ...extensions };
	const response = new Response(JSON.stringify(body), { status, headers });
	response.headers.set('content-type', 'application/problem+json');
	response.headers.set('cache-control', 'no-store');
	return response;
}

/** RFC 9110's names, where Node still carries the older ones. */
const TITLES: Record<number, string> = { 413: 'Content Too Large', 422: 'Unprocessable Content' };

export function statusTitle(status: number): string {
	return TITLES[status] ?? STATUS_CODES[status] ?? 'Error';
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
	return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** The caller if signed in (cookie or bearer token) and holding one of `roles`; else a 401/403 problem to return. */
export function apiUser(locals: App.Locals, ...roles: Role[]): SessionUser | Response {
	const user = locals.user;
	if (!user) {
		return problem(401, 'Unauthorized', 'Sign in first: send the session cookie or an Authorization: Bearer token.', undefined, {
			'www-authenticate': 'Bearer realm="tend"'
		});
	}
	if (roles.length && !hasRole(user, ...roles)) return problem(403, 'Forbidden', `This needs ${describeRoles(roles)}.`);
	return user;
}
