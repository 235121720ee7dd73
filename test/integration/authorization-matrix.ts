import type { Role } from '../../db/schema/users.ts';

/**
 * Who may pass each route's authorization: the one table the authorization matrix test
 * (authorization-matrix.test.ts) checks every route against, for every principal. A route the
 * test finds in web/src/routes that is not listed here fails the test, so a new route must be
 * classified before it ships; one listed here that no longer exists fails it too.
 *
 * Keys: `METHOD /path` for JSON and other +server.ts routes, `GET /path` for a page's load and
 * `POST /path?/action` for a form action, with route parameters as their folders name them.
 * Values: `everyone` (no sign-in), `signed-in` (any role), `session` (any role, signed in rather
 * than with a token: what proves a person's own password or second factor), or the roles allowed — admin is
 * always allowed as well (DESIGN §7). A scoped token has exactly its scopes: the matrix's
 * viewer-scoped token of an admin must fare exactly as a viewer does.
 */
export type Verdict = 'everyone' | 'signed-in' | 'session' | readonly Role[];

const ADMIN: readonly Role[] = [];
const READERS: readonly Role[] = ['author', 'approver', 'responder', 'operator', 'viewer'];
const AUTHORS: readonly Role[] = ['author'];
const STARTERS: readonly Role[] = ['operator', 'author'];
const CANCELLERS: readonly Role[] = ['operator', 'author', 'responder'];
const SCHEDULERS: readonly Role[] = ['author', 'operator'];
const OUTBOX: readonly Role[] = ['operator', 'author'];
/**
 * Acts on a run's step (decide, tick, override) pass the route for anyone signed in: whether
 * the person may act is the workflow's Update validator's call (approvers named by the step,
 * four eyes), which refuses ineligible callers before anything is written.
 */
const STEP_ACTORS = 'signed-in';

export const AUTHORIZATION: Record<string, Verdict> = {
	'GET /healthz': 'everyone',
	'GET /readyz': 'everyone',
	'GET /api/v1/openapi.json': 'everyone',
	'POST /api/v1/session': 'everyone',
	'DELETE /api/v1/session': 'signed-in',
	'GET /api/v1/me': 'signed-in',
	'GET /api/v1/approvals': 'signed-in',
	'GET /api/v1/notifications': 'signed-in',
	'POST /api/v1/notifications/read': 'signed-in',
	'GET /api/v1/tokens': 'signed-in',
	'POST /api/v1/tokens': 'signed-in',
	'DELETE /api/v1/tokens/[id]': 'signed-in',
	'GET /api/v1/emergency-stop': 'signed-in',
	'POST /api/v1/emergency-stop': ADMIN,
	'DELETE /api/v1/emergency-stop': ADMIN,
	'GET /api/v1/audit': ADMIN,
	'GET /api/v1/audit/verify': ADMIN,
	'GET /api/v1/audit/export': ADMIN,
	'GET /api/v1/audit/signing-keys': 'everyone',
	'GET /api/v1/keys': ADMIN,
	'POST /api/v1/keys/rotate': ADMIN,
	'GET /api/v1/secrets': ADMIN,
	'PUT /api/v1/secrets/[name]': ADMIN,
	'GET /api/v1/users': ADMIN,
	'POST /api/v1/users': ADMIN,
	'GET /api/v1/users/[username]': ADMIN,
	'PATCH /api/v1/users/[username]': ADMIN,
	'DELETE /api/v1/users/[username]/mfa': ADMIN,
	'POST /api/v1/users/[username]/password-reset': ADMIN,
	'GET /api/v1/settings': ADMIN,
	'PUT /api/v1/settings': ADMIN,
	'GET /api/v1/me/mfa': 'signed-in',
	'POST /api/v1/me/mfa/totp': 'session',
	'POST /api/v1/me/mfa/totp/verify': 'session',
	'POST /api/v1/me/mfa/step-up': 'session',
	'POST /api/v1/me/password': 'session',
	'PUT /api/v1/runbooks/[name]/pin': AUTHORS,
	'DELETE /api/v1/runbooks/[name]/pin': AUTHORS,
	'GET /api/v1/runbooks': READERS,
	'POST /api/v1/runbooks': AUTHORS,
	'GET /api/v1/runbooks/[name]': READERS,
	'GET /api/v1/runbooks/[name]/diff': READERS,
	'GET /api/v1/runbooks/[name]/versions': READERS,
	'POST /api/v1/runbooks/[name]/dry-run': READERS,
	'GET /api/v1/runbooks/[name]/draft': AUTHORS,
	'PUT /api/v1/runbooks/[name]/draft': AUTHORS,
	'DELETE /api/v1/runbooks/[name]/draft': AUTHORS,
	'POST /api/v1/runbooks/[name]/runs': STARTERS,
	'GET /api/v1/runs': READERS,
	'GET /api/v1/runs/[id]': READERS,
	'GET /api/v1/runs/[id]/events': READERS,
	'POST /api/v1/runs/[id]/cancel': CANCELLERS,
	'POST /api/v1/runs/[id]/resume': STARTERS,
	'POST /api/v1/runs/[id]/steps/[stepId]/decision': STEP_ACTORS,
	'POST /api/v1/runs/[id]/steps/[stepId]/checklist': STEP_ACTORS,
	'POST /api/v1/runs/[id]/steps/[stepId]/override': STEP_ACTORS,
	'GET /api/v1/schedules': READERS,
	'POST /api/v1/schedules': SCHEDULERS,
	'GET /api/v1/schedules/[id]': READERS,
	'DELETE /api/v1/schedules/[id]': SCHEDULERS,
	'POST /api/v1/schedules/[id]/pause': SCHEDULERS,
	'POST /api/v1/schedules/[id]/trigger': SCHEDULERS,
	'GET /api/v1/targets': READERS,
	'POST /api/v1/targets': AUTHORS,
	'GET /api/v1/targets/[name]': READERS,
	'POST /api/v1/targets/[name]/test': STARTERS,
	'GET /api/v1/windows': READERS,
	'POST /api/v1/windows': AUTHORS,
	'GET /api/v1/windows/[name]': READERS,
	// Training: everyone signed in reads modules and their own assignments (an assignment of someone
	// else answers 404 as if it were not there); authors publish modules, admins assign.
	'GET /api/v1/training/modules': 'signed-in',
	'POST /api/v1/training/modules': AUTHORS,
	'GET /api/v1/training/modules/[name]': 'signed-in',
	'GET /api/v1/training/assignments': 'signed-in',
	'POST /api/v1/training/assignments': ADMIN,
	'GET /api/v1/training/assignments/[id]': 'signed-in',
	'DELETE /api/v1/training/assignments/[id]': ADMIN,
	'POST /api/v1/training/assignments/[id]/attempts': 'signed-in',

	'GET /': 'signed-in',
	'GET /login': 'everyone',
	'POST /login?/login': 'everyone',
	'POST /login?/code': 'everyone',
	'GET /account': 'signed-in',
	'GET /account/mfa': 'signed-in',
	'POST /account/mfa?/start': 'signed-in',
	'POST /account/mfa?/verify': 'signed-in',
	'POST /account/mfa?/done': 'signed-in',
	'GET /account/password': 'signed-in',
	'POST /account/password?/change': 'signed-in',
	'GET /account/tokens': 'signed-in',
	'POST /account/tokens?/create': 'signed-in',
	'POST /account/tokens?/revoke': 'signed-in',
	'GET /logout': 'signed-in',
	'POST /logout?/logout': 'everyone',
	'GET /approvals': 'signed-in',
	'POST /approvals?/decide': STEP_ACTORS,
	'GET /approvals/open': 'signed-in',
	'GET /notifications': 'signed-in',
	'POST /notifications?/read': 'signed-in',
	'POST /notifications?/readAll': 'signed-in',
	'GET /outbox': OUTBOX,
	'GET /training': 'signed-in',
	// Someone else's assignment answers 404, as if it were not there.
	'GET /training/[id]': 'signed-in',
	'POST /training/[id]?/submit': 'signed-in',
	'GET /training/matrix': ADMIN,
	'GET /training/matrix.csv': ADMIN,
	'GET /training/assign': ADMIN,
	'POST /training/assign?/assign': ADMIN,
	'GET /admin/users': ADMIN,
	'POST /admin/users?/create': ADMIN,
	'POST /admin/users?/policy': ADMIN,
	'GET /admin/users/[username]': ADMIN,
	'POST /admin/users/[username]?/save': ADMIN,
	'POST /admin/users/[username]?/disable': ADMIN,
	'POST /admin/users/[username]?/enable': ADMIN,
	'POST /admin/users/[username]?/removeMfa': ADMIN,
	'POST /admin/users/[username]?/resetPassword': ADMIN,
	'GET /admin/emergency-stop': ADMIN,
	'POST /admin/emergency-stop?/start': ADMIN,
	'POST /admin/emergency-stop?/lift': ADMIN,
	'GET /admin/audit': ADMIN,
	'POST /admin/audit?/verify': ADMIN,
	'GET /runbooks': READERS,
	'GET /runbooks/new': AUTHORS,
	'GET /runbooks/[name]': READERS,
	'POST /runbooks/[name]?/start': STARTERS,
	'POST /runbooks/[name]?/pin': AUTHORS,
	'POST /runbooks/[name]?/unpin': AUTHORS,
	'GET /runbooks/[name]/edit': AUTHORS,
	'GET /runs': READERS,
	'GET /runs/[id]': READERS,
	'POST /runs/[id]?/decide': STEP_ACTORS,
	'POST /runs/[id]?/checklist': STEP_ACTORS,
	'POST /runs/[id]?/override': STEP_ACTORS,
	'POST /runs/[id]?/cancel': CANCELLERS,
	'POST /runs/[id]?/resume': STARTERS,
	'GET /schedules': READERS,
	'POST /schedules?/create': SCHEDULERS,
	'POST /schedules?/pause': SCHEDULERS,
	'POST /schedules?/trigger': SCHEDULERS,
	'POST /schedules?/delete': SCHEDULERS,
	'GET /targets': READERS,
	'GET /targets/[name]': READERS,
	'POST /targets/[name]?/test': STARTERS,
	'GET /windows': READERS
};
