import type { LayoutServerLoad } from './$types';

/** Only what the shell shows: pages guard themselves and load their own data. */
export const load = (({ locals }) => ({
	user: locals.user ? { username: locals.user.username, roles: locals.user.roles } : null
})) satisfies LayoutServerLoad;
