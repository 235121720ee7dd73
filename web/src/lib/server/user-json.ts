import type { UserSummary } from './users.ts';

/** A user as the JSON API shows one: never a hash, times as ISO strings. */
export const userJson = (user: UserSummary) => ({
	...user,
	disabledAt: user.disabledAt?.toISOString() ?? null,
	lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
	createdAt: user.createdAt.toISOString()
});
