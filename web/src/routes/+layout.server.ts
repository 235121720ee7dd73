import { unreadCount } from '$lib/server/notifications.ts';
import { activeEmergencyStop } from '$lib/server/run-controls.ts';
import type { LayoutServerLoad } from './$types';

/** Only what the shell shows: pages guard themselves and load their own data. The emergency stop is everyone's business. */
export const load = (async ({ locals }) => ({
	user: locals.user ? { username: locals.user.username, roles: locals.user.roles } : null,
	emergencyStop: locals.user ? await activeEmergencyStop() : null,
	unreadNotifications: locals.user ? await unreadCount(locals.user.id) : 0
})) satisfies LayoutServerLoad;
