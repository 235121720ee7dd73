import { error, redirect } from '@sveltejs/kit';
import type { Role } from '../../../../db/schema/index.ts';
import { describeRoles, hasRole } from '../roles.ts';
import type { SessionUser } from './auth.ts';

/**
 * Guards for pages and form actions. Every protected load and action calls one itself (STYLE
 * rule 14): layout loads do not run on every client navigation, so they cannot guard alone.
 * JSON routes use `apiUser` from api.ts, which answers with problem+json instead.
 */

/** The signed-in user, or a 303 to /login that comes back here afterwards. */
export function requireUser(locals: App.Locals, url: URL): SessionUser {
	if (locals.user) return locals.user;
	const next = url.pathname + url.search;
	throw redirect(303, next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
}

/** The signed-in user if they hold one of `roles` (admin always does); otherwise a 403 naming what is needed. */
export function requireRole(locals: App.Locals, ...roles: Role[]): SessionUser {
	const user = locals.user;
	if (!user) throw error(401, { message: 'Sign in to continue.', code: 'unauthenticated' });
	if (roles.length && !hasRole(user, ...roles)) throw error(403, { message: `This needs ${describeRoles(roles)}.`, code: 'forbidden' });
	return user;
}
