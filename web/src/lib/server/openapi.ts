import { runbookJsonSchema, targetJsonSchema, windowJsonSchema } from '../../../../runbooks/json-schema.ts';

/**
 * The API as OpenAPI 3.1, for outside scripts and the `tend` CLI. Written by hand next to the
 * routes it describes; the runbook document's schema comes from the same zod schema that
 * validates it, so the two cannot drift apart.
 */
const problem = { description: 'An RFC 9457 problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const errors = { '401': problem, '403': problem };
const WINDOW_PUT = { type: 'object', properties: { name: { type: 'string' }, changed: { type: 'boolean' } } };
const KEY_USAGE = { type: 'object', properties: { table: { type: 'string' }, byKey: { type: 'object', additionalProperties: { type: 'integer' } }, unknown: { type: 'integer' } } };
const TABLE_ROTATION = {
	type: 'object',
	properties: { table: { type: 'string' }, rows: { type: 'integer' }, reencrypted: { type: 'integer' }, current: { type: 'integer' }, unreadable: { type: 'array', items: { type: 'string' } } }
};
// Windows and targets answer a put alike: they are replaced, not versioned.
const DOCUMENT_PUT = WINDOW_PUT;

export function openApiDocument(serverUrl: string) {
	return {
		openapi: '3.1.0',
		info: { title: 'Tend API', version: '1', description: 'Durable maintenance runbooks. Errors are application/problem+json with field paths (and line/column for documents).' },
		servers: [{ url: `${serverUrl}/api/v1` }],
		security: [{ session: [] }, { bearer: [] }],
		paths: {
			'/session': {
				post: {
					summary: 'Sign in (sets the session cookie); an account with a second factor needs `code` too, else 401 with `mfaRequired: true`',
					security: [],
					requestBody: jsonBody({ type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' }, code: { type: 'string', description: 'the authenticator code or an unused recovery code' } } }),
					responses: { '200': ok('Signed in'), '401': problem, '403': problem, '422': problem, '429': problem }
				},
				delete: { summary: 'Sign out', responses: { '204': { description: 'Signed out' }, ...errors } }
			},
			'/me': { get: { summary: 'Who is signed in', responses: { '200': ok('The caller'), ...errors } } },
			'/me/password': {
				post: {
					summary: 'Change your own password (checked against breached passwords and for strength); every other session of yours ends',
					requestBody: jsonBody({ type: 'object', required: ['currentPassword', 'newPassword'], properties: { currentPassword: { type: 'string' }, newPassword: { type: 'string', minLength: 12 } } }),
					responses: { '204': { description: 'Changed' }, '422': problem, '429': problem, ...errors }
				}
			},
			'/me/mfa': { get: { summary: 'Your second factor: enrolled, required by policy, recovery codes left', responses: { '200': ok('Status'), ...errors } } },
			'/me/mfa/totp': { post: { summary: 'Start TOTP enrolment', responses: { '201': ok('The secret and otpauth URI', { type: 'object', properties: { secret: { type: 'string' }, uri: { type: 'string' } } }), '409': problem, ...errors } } },
			'/me/mfa/totp/verify': {
				post: {
					summary: 'Confirm TOTP enrolment with a current code; answers the recovery codes, once',
					requestBody: jsonBody({ type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^\\d{6}$' } } }),
					responses: { '200': ok('Recovery codes', { type: 'object', properties: { recoveryCodes: { type: 'array', items: { type: 'string' } } } }), '409': problem, '422': problem, ...errors }
				}
			},
			'/me/mfa/step-up': {
				post: { summary: 'Prove the second factor again for this session (before a high-risk approval)', requestBody: jsonBody({ type: 'object', required: ['code'], properties: { code: { type: 'string' } } }), responses: { '200': ok('When'), '422': problem, ...errors } }
			},
			'/settings': {
				get: { summary: 'The sign-in and token policy (admin)', responses: { '200': ok('Settings', { $ref: '#/components/schemas/Settings' }), ...errors } },
				put: { summary: 'Replace the areas named (admin); audited', requestBody: jsonBody({ $ref: '#/components/schemas/Settings' }), responses: { '200': ok('Settings', { $ref: '#/components/schemas/Settings' }), '422': problem, ...errors } }
			},
			'/audit': {
				get: {
					summary: 'The audit log, newest first (admin); exact filters, a time range and keyset paging',
					parameters: [
						...['actor', 'action', 'subject'].map((name) => ({ name, in: 'query', schema: { type: 'string', maxLength: 500 } })),
						...['from', 'to'].map((name) => ({ name, in: 'query', description: 'YYYY-MM-DD (the whole UTC day) or an RFC 3339 date-time', schema: { type: 'string' } })),
						{ name: 'before', in: 'query', description: 'the `older` cursor of the previous page', schema: { type: 'integer', minimum: 1 } },
						{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }
					],
					responses: {
						'200': ok('A page of entries', {
							type: 'object',
							properties: {
								entries: { type: 'array', items: { $ref: '#/components/schemas/AuditEntry' } },
								older: { type: ['integer', 'null'] }
							}
						}),
						'400': problem,
						...errors
					}
				}
			},
			'/audit/verify': {
				get: {
					summary: 'Seal what has committed and check the hash chain (admin)',
					responses: {
						'200': ok('The verdict', {
							type: 'object',
							required: ['ok', 'entries', 'firstBadId', 'unsealed'],
							properties: { ok: { type: 'boolean' }, entries: { type: 'integer' }, firstBadId: { type: ['integer', 'null'] }, unsealed: { type: 'integer' } }
						}),
						...errors
					}
				}
			},
			'/users': {
				get: { summary: 'List users (admin)', responses: { '200': ok('Users'), ...errors } },
				post: { summary: 'Create a user (admin)', requestBody: jsonBody({ type: 'object', required: ['username', 'password', 'roles'], properties: { username: { type: 'string' }, password: { type: 'string', minLength: 12 }, roles: { type: 'array', items: { type: 'string' } }, email: { type: 'string' } } }), responses: { '201': ok('Created'), '409': problem, '422': problem, ...errors } }
			},
			'/users/{username}': {
				get: { summary: 'A user (admin)', parameters: [id('username')], responses: { '200': ok('User'), '404': problem, ...errors } },
				patch: {
					summary: 'Change a user (admin): display name, email, roles, manager, disabled; each change audited',
					parameters: [id('username')],
					requestBody: jsonBody({ type: 'object', properties: { displayName: { type: 'string' }, email: { type: 'string' }, roles: { type: 'array', items: { type: 'string' }, minItems: 1 }, manager: { type: ['string', 'null'] }, disabled: { type: 'boolean' } } }),
					responses: { '200': ok('User'), '404': problem, '409': problem, '422': problem, ...errors }
				}
			},
			'/users/{username}/password-reset': {
				post: { summary: 'A one-time password, shown once; their sessions end and they must change it at the next sign-in (admin)', parameters: [id('username')], responses: { '200': ok('The one-time password'), '404': problem, ...errors } }
			},
			'/users/{username}/mfa': { delete: { summary: 'Remove a user’s second factor (admin)', parameters: [id('username')], responses: { '204': { description: 'Removed' }, '404': problem, ...errors } } },
			'/runbooks': {
				get: { summary: 'List runbooks', responses: { '200': ok('Runbooks'), ...errors } },
				post: {
					summary: 'Publish a runbook document as a new immutable version',
					requestBody: { required: true, content: { 'application/yaml': { schema: { $ref: '#/components/schemas/Runbook' } }, 'application/json': { schema: { $ref: '#/components/schemas/Runbook' } } } },
					responses: { '201': ok('Published'), '200': ok('Unchanged: the source equals the latest version'), '413': problem, '415': problem, '422': problem, ...errors }
				}
			},
			'/runbooks/{name}': { get: { summary: 'A runbook with its latest version', parameters: [id('name')], responses: { '200': ok('Runbook'), '404': problem, ...errors } } },
			'/runbooks/{name}/pin': {
				put: { summary: 'Pin the version runs start when none is named (authors); pinning the latest unpins', parameters: [id('name')], requestBody: jsonBody({ type: 'object', required: ['version'], properties: { version: { type: 'integer', minimum: 1 } } }), responses: { '200': ok('The pin'), '404': problem, '422': problem, ...errors } },
				delete: { summary: 'Unpin: runs start the latest version again', parameters: [id('name')], responses: { '200': ok('The pin'), '404': problem, ...errors } }
			},
			'/runbooks/{name}/versions': { get: { summary: 'Its versions, newest first', parameters: [id('name')], responses: { '200': ok('Versions'), '404': problem, ...errors } } },
			'/runbooks/{name}/diff': {
				get: { summary: 'Diff two versions', parameters: [id('name'), { name: 'from', in: 'query', required: true, schema: { type: 'integer' } }, { name: 'to', in: 'query', schema: { type: 'integer' } }], responses: { '200': ok('Patch and step changes'), '400': problem, '404': problem, ...errors } }
			},
			'/runbooks/{name}/dry-run': {
				post: {
					summary: 'Dry run: what a run would do, with simulated results and no side effects',
					parameters: [id('name')],
					requestBody: jsonBody({ type: 'object', properties: { source: { type: 'string', description: 'at most 1,000,000 bytes and 1,000 steps' }, version: { type: 'integer' }, inputs: { type: 'object' }, failAt: { type: 'string' }, reject: { type: 'array', items: { type: 'string' } } } }),
					responses: { '200': ok('The simulated timeline'), '404': problem, '413': problem, '415': problem, '422': problem, '503': problem, ...errors }
				}
			},
			'/runbooks/{name}/draft': {
				get: { summary: "The builder's draft of a runbook (authors)", parameters: [id('name')], responses: { '200': ok('The draft'), '404': problem, ...errors } },
				put: {
					summary: 'Save the draft (not a published version)',
					parameters: [id('name')],
					requestBody: jsonBody({ type: 'object', required: ['source'], properties: { source: { type: 'string' }, baseVersion: { type: ['integer', 'null'] } } }),
					responses: { '200': ok('Saved'), '400': problem, '413': problem, '422': problem, ...errors }
				},
				delete: { summary: 'Discard the draft', parameters: [id('name')], responses: { '204': { description: 'Discarded' }, ...errors } }
			},
			'/runbooks/{name}/runs': {
				post: { summary: 'Start a run', parameters: [id('name')], requestBody: jsonBody({ type: 'object', properties: { inputs: { type: 'object' }, version: { type: 'integer' } } }), responses: { '201': ok('Started', { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }), '404': problem, '422': problem, ...errors } }
			},
			'/runs': { get: { summary: 'Recent runs', responses: { '200': ok('Runs'), ...errors } } },
			'/runs/{id}': { get: { summary: 'A run and its steps', parameters: [id('id')], responses: { '200': ok('Run', { $ref: '#/components/schemas/Run' }), '404': problem, ...errors } } },
			'/runs/{id}/events': {
				get: {
					summary: 'The run as server-sent events: the run view each time it changes, until it ends',
					parameters: [id('id')],
					responses: { '200': { description: 'text/event-stream of Run views', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '404': problem, ...errors }
				}
			},
			'/runs/{id}/cancel': { post: { summary: 'Cancel a run (compensates with rollback)', parameters: [id('id')], responses: { '202': ok('Cancelling'), '404': problem, '409': problem, ...errors } } },
			'/runs/{id}/steps/{stepId}/decision': {
				post: {
					summary: 'Approve or reject a waiting step',
					parameters: [id('id'), id('stepId')],
					requestBody: jsonBody({ type: 'object', required: ['decision'], properties: { decision: { enum: ['approve', 'reject'] }, comment: { type: 'string' } } }),
					responses: { '200': ok('Counted: where the approval stands'), '403': problem, '404': problem, '409': problem, '422': problem, '503': problem, '401': problem }
				}
			},
			'/runs/{id}/resume': { post: { summary: 'Resume a failed run from its failed step (finished steps are not repeated)', parameters: [id('id')], responses: { '202': ok('Resuming'), '404': problem, '409': problem, ...errors } } },
			'/runs/{id}/steps/{stepId}/checklist': {
				post: {
					summary: 'Tick off items of a manual step (assignees only)',
					parameters: [id('id'), id('stepId')],
					requestBody: jsonBody({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'integer', minimum: 0 } }, notes: { type: 'string' } } }),
					responses: { '200': ok('The checklist as it stands'), '400': problem, '404': problem, '409': problem, '422': problem, '503': problem, ...errors }
				}
			},
			'/runs/{id}/steps/{stepId}/override': {
				post: {
					summary: 'Let a step held by a change freeze run (an approver other than the initiator)',
					parameters: [id('id'), id('stepId')],
					requestBody: jsonBody({ type: 'object', required: ['reason'], properties: { reason: { type: 'string' } } }),
					responses: { '200': ok('Overridden'), '404': problem, '409': problem, '422': problem, '503': problem, ...errors }
				}
			},
			'/emergency-stop': {
				get: { summary: 'The emergency stop in force, if any, and the last ten', responses: { '200': ok('Status'), ...errors } },
				post: { summary: 'Start an emergency stop: every risky step in every run waits (admin)', requestBody: jsonBody({ type: 'object', required: ['reason'], properties: { reason: { type: 'string' } } }), responses: { '201': ok('Started'), '409': problem, '422': problem, ...errors } },
				delete: { summary: 'Lift the emergency stop (admin)', responses: { '200': ok('Lifted'), '409': problem, ...errors } }
			},
			'/approvals': { get: { summary: 'What the caller may decide now', responses: { '200': ok('Approvals'), ...errors } } },
			'/notifications': {
				get: {
					summary: 'The caller’s in-app notifications, newest first, and how many are unread',
					parameters: [{ name: 'unread', in: 'query', schema: { enum: ['true', 'false'] } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }],
					responses: { '200': ok('Notifications', { type: 'object', properties: { unread: { type: 'integer' }, notifications: { type: 'array', items: { $ref: '#/components/schemas/Notification' } } } }), '400': problem, ...errors }
				}
			},
			'/notifications/read': {
				post: {
					summary: 'Mark some of the caller’s notifications read, or all of them',
					requestBody: jsonBody({ type: 'object', properties: { ids: { type: 'array', items: { type: 'string', format: 'uuid' } }, all: { const: true } }, oneOf: [{ required: ['ids'] }, { required: ['all'] }] }),
					responses: { '200': ok('How many changed, and what is left unread', { type: 'object', properties: { marked: { type: 'integer' }, unread: { type: 'integer' } } }), '400': problem, '415': problem, '422': problem, ...errors }
				}
			},
			'/tokens': {
				get: { summary: 'The caller’s API tokens (never the token itself)', responses: { '200': ok('Tokens'), ...errors } },
				post: {
					summary: 'Create an API token (shown once): scopes are roles the owner holds (and the token making it carries), or `tokens` (revoke the owner’s other tokens); without scopes it copies the maker’s; it expires by the admin’s default, within the maximum',
					requestBody: jsonBody({ type: 'object', required: ['name'], properties: { name: { type: 'string' }, scopes: { type: 'array', minItems: 1, items: { type: 'string' } }, expiresInDays: { type: 'integer', minimum: 1 } } }),
					responses: { '201': ok('Created', { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } }, expiresAt: { type: 'string' }, token: { type: 'string' } } }), '400': problem, '422': problem, ...errors }
				}
			},
			'/tokens/{id}': { delete: { summary: 'Revoke a token (its owner or an admin); through a token, only itself unless it carries `tokens`', parameters: [id('id')], responses: { '204': { description: 'Revoked' }, '404': problem, ...errors } } },
			'/schedules': {
				get: { summary: 'Recurring runs', responses: { '200': ok('Schedules'), ...errors } },
				post: {
					summary: 'Schedule a runbook (cron or every), run as the caller',
					requestBody: jsonBody({ type: 'object', required: ['runbook'], properties: { runbook: { type: 'string' }, cron: { type: 'string', examples: ['0 2 * * *'] }, every: { type: 'string', examples: ['1h'] }, timezone: { type: 'string', default: 'UTC' }, inputs: { type: 'object' }, paused: { type: 'boolean' }, note: { type: 'string' } } }),
					responses: { '201': ok('Created', { $ref: '#/components/schemas/Schedule' }), '422': problem, ...errors }
				}
			},
			'/schedules/{id}': {
				get: { summary: 'A schedule with its next and recent runs', parameters: [id('id')], responses: { '200': ok('Schedule', { $ref: '#/components/schemas/Schedule' }), '404': problem, ...errors } },
				delete: { summary: 'Delete a schedule (its runs stay)', parameters: [id('id')], responses: { '204': { description: 'Deleted' }, '404': problem, ...errors } }
			},
			'/schedules/{id}/pause': {
				post: { summary: 'Pause or resume', parameters: [id('id')], requestBody: jsonBody({ type: 'object', required: ['paused'], properties: { paused: { type: 'boolean' }, note: { type: 'string' } } }), responses: { '200': ok('Schedule', { $ref: '#/components/schemas/Schedule' }), '404': problem, '422': problem, ...errors } }
			},
			'/schedules/{id}/trigger': { post: { summary: 'Run now', parameters: [id('id')], responses: { '202': ok('Triggered'), '404': problem, ...errors } } },
			'/windows': {
				get: { summary: 'Maintenance windows and change freezes, with where each stands now', responses: { '200': ok('Windows', { type: 'object', properties: { windows: { type: 'array', items: { $ref: '#/components/schemas/WindowView' } } } }), ...errors } },
				post: {
					summary: 'Define or replace a window (YAML or JSON document)',
					requestBody: { required: true, content: { 'application/yaml': { schema: { $ref: '#/components/schemas/Window' } }, 'application/json': { schema: { $ref: '#/components/schemas/Window' } } } },
					responses: { '201': ok('Defined', WINDOW_PUT), '200': ok('Replaced, or unchanged when `changed` is false', WINDOW_PUT), '413': problem, '415': problem, '422': problem, ...errors }
				}
			},
			'/windows/{name}': { get: { summary: 'A window, its document, where it stands now and its next 5 openings', parameters: [id('name')], responses: { '200': ok('Window', { $ref: '#/components/schemas/WindowView' }), '404': problem, ...errors } } },
			'/targets': {
				get: { summary: 'Registered targets with their documents (secret: references, never values)', responses: { '200': ok('Targets', { type: 'object', properties: { targets: { type: 'array', items: { $ref: '#/components/schemas/StoredTarget' } } } }), ...errors } },
				post: {
					summary: 'Register or replace a target (YAML or JSON document); every secret:NAME must be stored first, and a URL with a password is refused',
					requestBody: { required: true, content: { 'application/yaml': { schema: { $ref: '#/components/schemas/Target' } }, 'application/json': { schema: { $ref: '#/components/schemas/Target' } } } },
					responses: { '201': ok('Registered', DOCUMENT_PUT), '200': ok('Replaced, or unchanged when `changed` is false', DOCUMENT_PUT), '413': problem, '415': problem, '422': problem, ...errors }
				}
			},
			'/targets/{name}': { get: { summary: 'A target and its document as published', parameters: [id('name')], responses: { '200': ok('Target', { $ref: '#/components/schemas/StoredTarget' }), '404': problem, ...errors } } },
			'/targets/{name}/test': {
				post: { summary: 'Test connection: reach each database (5 s connect timeout) and GET each URL (5 s, redirects not followed)', parameters: [id('name')], responses: { '200': ok('What was reached; a failure is `ok: false` with its reason', { $ref: '#/components/schemas/TargetConnections' }), '404': problem, ...errors } }
			},
			'/secrets': { get: { summary: 'Secret names and when each was set (admin); values are never shown', responses: { '200': ok('Secrets', { type: 'object', properties: { secrets: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, updatedAt: { type: 'string', format: 'date-time' } } } } } }), ...errors } } },
			'/secrets/{name}': {
				put: {
					summary: 'Set a secret (admin; write-only), referenced from documents as secret:NAME',
					parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } }],
					requestBody: jsonBody({ type: 'object', required: ['value'], properties: { value: { type: 'string', minLength: 1, maxLength: 65536, writeOnly: true } }, additionalProperties: false }),
					responses: { '204': { description: 'Stored (encrypted at rest)' }, '400': problem, '415': problem, '422': problem, ...errors }
				}
			},
			'/keys': {
				get: {
					summary: 'The key ring by id, current first, and how many stored values each key still seals (admin); never a key',
					responses: { '200': ok('Key status', { type: 'object', properties: { current: { type: 'string' }, ring: { type: 'array', items: { type: 'string' } }, tables: { type: 'array', items: KEY_USAGE } } }), ...errors }
				}
			},
			'/keys/rotate': {
				post: {
					summary: 'Re-encrypt every stored secret with the current key, the first of TEND_SECRET_KEYS (admin); safe to repeat while runs are in flight',
					responses: { '200': ok('What was re-encrypted', { type: 'object', properties: { keyId: { type: 'string' }, tables: { type: 'array', items: TABLE_ROTATION } } }), ...errors }
				}
			}
		},
		components: {
			securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'tend_session' }, bearer: { type: 'http', scheme: 'bearer' } },
			schemas: {
				Problem: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' } } } } } },
				Settings: {
					type: 'object',
					properties: {
						tokens: { type: 'object', required: ['defaultDays', 'maxDays'], properties: { defaultDays: { type: 'integer', minimum: 1 }, maxDays: { type: 'integer', minimum: 1, maximum: 3650 } } },
						mfa: { type: 'object', required: ['requiredFor', 'stepUpMinutes'], properties: { requiredFor: { type: 'array', items: { type: 'string' } }, stepUpMinutes: { type: 'integer', minimum: 0 } } }
					}
				},
				AuditEntry: {
					type: 'object',
					description: 'seq, prevHash and hash are null until the sealer has chained the entry, moments after its commit',
					properties: {
						id: { type: 'integer' }, seq: { type: ['integer', 'null'] }, at: { type: 'string', format: 'date-time' }, actor: { type: 'string' }, action: { type: 'string' }, subject: { type: 'string' }, details: { type: 'object' },
						prevHash: { type: ['string', 'null'] }, hash: { type: ['string', 'null'] }
					}
				},
				Run: {
					type: 'object',
					properties: {
						id: { type: 'string' }, runbook: { type: 'string' }, version: { type: 'integer' }, status: { type: 'string' }, initiator: { type: 'string' }, inputs: { type: 'object' }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] },
						steps: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, uses: { type: 'string' }, status: { type: 'string' }, attempts: { type: 'integer' }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] }, outputs: { type: ['object', 'null'] }, error: { type: ['string', 'null'] } } } }
					}
				},
				Notification: {
					type: 'object',
					properties: {
						id: { type: 'string', format: 'uuid' }, title: { type: 'string' }, body: { type: 'string' }, link: { type: ['string', 'null'] }, runId: { type: ['string', 'null'] }, read: { type: 'boolean' },
						readAt: { type: ['string', 'null'], format: 'date-time' }, createdAt: { type: 'string', format: 'date-time' }
					}
				},
				Schedule: {
					type: 'object',
					properties: {
						id: { type: 'string' }, runbook: { type: 'string' }, spec: { type: 'object', properties: { cron: { type: 'string' }, every: { type: 'string' }, timezone: { type: 'string' } } }, inputs: { type: 'object' }, paused: { type: 'boolean' }, note: { type: ['string', 'null'] },
						nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } }, recentRuns: { type: 'array', items: { type: 'object', properties: { runId: { type: 'string' }, at: { type: 'string', format: 'date-time' } } } }, createdBy: { type: 'string' }
					}
				},
				WindowView: {
					type: 'object',
					description: 'A maintenance window is `open`, a freeze `inForce`; `until` is when that changes (the end of the current opening or the start of the next). The first of `nextOpenings` may be in progress.',
					properties: {
						name: { type: 'string' }, title: { type: 'string' }, kind: { enum: ['maintenance', 'freeze'] }, timezone: { type: 'string' }, description: { type: 'string' }, targets: { type: 'array', items: { type: 'string' } },
						state: { type: 'object', properties: { open: { type: 'boolean' }, inForce: { type: 'boolean' }, until: { type: 'string', format: 'date-time' } } },
						nextOpenings: { type: 'array', items: { type: 'object', properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } } } }, document: { $ref: '#/components/schemas/Window' }
					}
				},
				StoredTarget: { type: 'object', properties: { name: { type: 'string' }, title: { type: 'string' }, document: { $ref: '#/components/schemas/Target' }, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' } } },
				TargetConnections: {
					type: 'object',
					description: 'Hosts and database names only: never a credential or a whole connection URL.',
					properties: {
						target: { type: 'string' }, checkedAt: { type: 'string', format: 'date-time' },
						databases: { type: 'array', items: { type: 'object', required: ['name', 'ok', 'latencyMs'], properties: { name: { type: 'string' }, ok: { type: 'boolean' }, host: { type: 'string' }, database: { type: 'string' }, serverVersion: { type: 'string' }, user: { type: 'string' }, readOnly: { type: 'boolean' }, latencyMs: { type: 'integer' }, error: { type: 'string' } } } },
						urls: { type: 'array', items: { type: 'object', required: ['name', 'url', 'ok', 'latencyMs'], properties: { name: { type: 'string' }, url: { type: 'string' }, ok: { type: 'boolean' }, status: { type: 'integer' }, latencyMs: { type: 'integer' }, error: { type: 'string' } } } }
					}
				},
				Target: targetJsonSchema(),
				Window: windowJsonSchema(),
				Runbook: runbookJsonSchema()
			}
		}
	};
}
