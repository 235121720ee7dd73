import { approvalsFor } from '$lib/server/approvals.ts';
import { unreadCount } from '$lib/server/notifications.ts';
import { activeEmergencyStop } from '$lib/server/run-controls.ts';
import type { LayoutServerLoad } from './$types';

/** Only what the shell shows: pages guard themselves and load their own data. The emergency stop is everyone's business. */
export const load = (async ({ locals, depends }) => {
	// Deciding, ticking or reading anywhere invalidates this, so the counts beside the navigation follow.
	depends('tend:shell');
	const user = locals.user;
	const [emergencyStop, unreadNotifications, approvalsWaiting] = user
		? await Promise.all([activeEmergencyStop(), unreadCount(user.id), approvalsFor({ id: user.id, username: user.username, roles: [...user.roles] }).then((items) => items.length)])
		: [null, 0, 0];
	return {
		locale: locals.locale,
		user: user ? { username: user.username, roles: user.roles } : null,
		emergencyStop,
		unreadNotifications,
		approvalsWaiting
	};
}) satisfies LayoutServerLoad;
