import type { SessionUser } from './auth.ts';
import { getSettings, mfaRequiredFor } from './settings.ts';

/**
 * What a signed-in person must do before anything else: replace a password someone else chose
 * for them, or enrol the second factor their roles require (the `mfa` policy). Checked for every
 * request that comes with a session (hooks.server.ts), so no page or route can forget it.
 */
export type AccountTask = 'password' | 'mfa';

export async function accountTaskDue(user: SessionUser): Promise<AccountTask | null> {
	if (user.mustChangePassword) return 'password';
	if (!user.mfaEnrolled && mfaRequiredFor(user.roles, (await getSettings()).mfa)) return 'mfa';
	return null;
}

/** Where a person with a task due may still go: the task's own pages and routes, signing out, and what every page needs. */
const ALLOWED: ReadonlyArray<readonly [method: string | '*', path: RegExp]> = [
	['*', /^\/account\/(password|mfa)\/?$/],
	['*', /^\/logout\/?$/],
	['*', /^\/login\/?$/],
	['GET', /^\/(healthz|readyz|favicon\.svg)$/],
	['GET', /^\/api\/v1\/me\/?$/],
	['*', /^\/api\/v1\/me\/(password|mfa(\/.*)?)$/],
	['*', /^\/api\/v1\/session\/?$/]
];

export function isAllowedWhileDue(method: string, pathname: string): boolean {
	if (pathname.startsWith('/_app/')) return true;
	return ALLOWED.some(([allowedMethod, path]) => (allowedMethod === '*' || allowedMethod === method || (allowedMethod === 'GET' && method === 'HEAD')) && path.test(pathname));
}
