import type { Role } from '../../../db/schema/users.ts';

export type { Role };

/** Admin passes every role check (DESIGN §7); everyone else needs one of the roles named. */
export function hasRole(user: { roles: readonly string[] } | null | undefined, ...roles: Role[]): boolean {
	if (!user) return false;
	return user.roles.includes('admin') || roles.some((role) => user.roles.includes(role));
}

/** "the operator, author or admin role" — for messages that tell people what they are missing. */
export function describeRoles(roles: readonly Role[]): string {
	const names = [...new Set([...roles, 'admin' as const])];
	const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
	return `the ${list} role`;
}

/** Who may do what, named once so pages, actions and API routes agree (admin is always implied). */
export const RUNBOOK_READERS: readonly Role[] = ['author', 'approver', 'responder', 'operator', 'viewer'];
export const RUN_STARTERS: readonly Role[] = ['operator', 'author'];
export const OUTBOX_READERS: readonly Role[] = ['operator', 'author'];
export const RUNBOOK_AUTHORS: readonly Role[] = ['author'];
export const RUN_CANCELLERS: readonly Role[] = ['operator', 'author', 'responder'];
/** Create, pause, resume, fire and delete schedules: whoever may start a run of what they schedule. */
export const SCHEDULE_MANAGERS: readonly Role[] = ['author', 'operator'];
/** Drills (issue 13): responders start and acknowledge them, start their recoveries and write debriefs; authors publish them; admins abort. */
export const DRILL_RUNNERS: readonly Role[] = ['responder'];
export const DRILL_AUTHORS: readonly Role[] = ['author'];
/** Publish training modules: authors write them as they write runbooks. Assigning people is the admin's. */
export const TRAINING_AUTHORS: readonly Role[] = ['author'];
export const TRAINING_ASSIGNERS: readonly Role[] = ['admin'];
