import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
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

export function statusTitle(status: number): string {
	return STATUS_CODES[status] ?? 'Error';
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
	return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/**
 * Reads a JSON body and validates it: the parsed value, or a problem response to return as is
 * (415 for another media type, 400 for malformed JSON, 422 with field paths for invalid content).
 */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S> | Response> {
	const mediaType = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
	if (mediaType !== 'application/json' && !mediaType?.endsWith('+json')) {
		return problem(415, 'Unsupported Media Type', 'Send the body as application/json.');
	}
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return problem(400, 'Bad Request', 'The body is not valid JSON.');
	}
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	const errors = parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path) || '(body)', message: issue.message }));
	return problem(422, 'Unprocessable Content', 'The request body is not valid.', errors);
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
