import { z } from 'zod';
import { RUN_STATUSES, STEP_STATUSES } from '$runbooks/run-model.ts';

/**
 * Shapes the API answers with, as the OpenAPI document's named components. They describe what
 * callers may rely on (a contract: fields are added, never renamed or dropped) and are loose, so
 * an answer may carry more than they name.
 */

/** An RFC 9457 problem, as every error under /api is answered. */
export const problemSchema = z
	.object({
		type: z.string(),
		title: z.string(),
		status: z.int(),
		detail: z.string().optional(),
		errors: z
			.array(z.object({ path: z.string(), message: z.string(), line: z.int().optional(), column: z.int().optional() }))
			.optional()
			.meta({ description: 'One entry per problem, addressed by its field path (and line and column in a submitted document).' }),
		mfaRequired: z.literal(true).optional().meta({ description: 'Sign-in: the password was right; send `code` too.' }),
		mfaEnrolmentRequired: z.literal(true).optional().meta({ description: 'The caller’s roles require a second factor: enrol one first (`POST /me/mfa/totp`).' }),
		passwordChangeRequired: z.literal(true).optional().meta({ description: 'The caller’s password was set by someone else: change it first (`POST /me/password`).' }),
		stepUpRequired: z.literal(true).optional().meta({ description: 'Approving before a high-risk step needs a fresh second factor (`POST /me/mfa/step-up`).' }),
		trainingRequired: z
			.array(z.object({ module: z.string(), title: z.string(), link: z.string() }))
			.optional()
			.meta({ description: 'Approving this step needs a current completion of these training modules: take each at its `link` first.' })
	})
	.meta({ id: 'Problem' });

/** A document schema generated from the runbook language's zod schemas (runbooks/json-schema.ts), by reference. */
export function documentRef(kind: 'Runbook' | 'Target' | 'Window' | 'Drill' | 'TrainingModule') {
	return z.looseObject({}).meta({ override: { $ref: `#/components/schemas/${kind}`, type: undefined, properties: undefined, additionalProperties: undefined } });
}

const isoTime = z.string().meta({ format: 'date-time' });
const nullableTime = isoTime.nullable();
const jsonObject = z.record(z.string(), z.unknown());

const principal = z.string().meta({ description: '`role:NAME` or `user:USERNAME`' });

/** Why a step that is ready to run does not start yet (runbooks/run-projection.ts StepHold). */
const stepHoldSchema = z.looseObject({
	kind: z.enum(['emergency_stop', 'window', 'freeze']),
	message: z.string(),
	until: isoTime.optional().meta({ description: 'When the hold lifts by itself; absent if only a person can lift it.' }),
	window: z.string().optional(),
	by: z.string().optional(),
	reason: z.string().optional()
});

/** An approval step or implicit gate as approvers see it, one round at a time. */
const approvalSchema = z.looseObject({
	stepId: z.string(),
	gateFor: z.string().optional().meta({ description: 'Set on an implicit gate: the high-risk step it guards.' }),
	round: z.int().optional().meta({ description: 'Counts the times this approval has been asked (1, then 2 if it lapsed with its window): a decision belongs to one round.' }),
	message: z.string(),
	approvers: z.array(principal),
	quorum: z.int(),
	fourEyes: z.boolean(),
	decisions: z.array(
		z.looseObject({ actor: z.looseObject({ id: z.string(), username: z.string() }), decision: z.enum(['approve', 'reject']), comment: z.string().optional(), at: isoTime })
	),
	evidence: z.array(z.looseObject({ path: z.string(), value: z.unknown().optional(), error: z.string().optional() })),
	waitingSince: isoTime,
	deadline: isoTime.optional(),
	onTimeout: z.enum(['fail', 'skip']),
	escalations: z.array(z.looseObject({ at: isoTime, to: principal, reached: z.boolean() })),
	verdict: z.enum(['approved', 'rejected', 'timed_out']).optional()
});

/** A person's checklist (`uses: manual`) while it is open, and after. */
const checklistSchema = z.looseObject({
	stepId: z.string(),
	instructions: z.string().optional(),
	assignees: z.array(principal),
	items: z.array(z.looseObject({ text: z.string(), done: z.boolean(), by: z.string().optional(), at: isoTime.optional() })),
	notes: z.array(z.string()),
	waitingSince: isoTime,
	deadline: isoTime.optional()
});

export const stepViewSchema = z.looseObject({
	id: z.string(),
	uses: z.string(),
	name: z.string().optional().meta({ description: 'The name the author gave the step, if any.' }),
	status: z.enum(STEP_STATUSES),
	attempts: z.int(),
	startedAt: nullableTime,
	finishedAt: nullableTime,
	outputs: jsonObject.nullable(),
	error: z.string().nullable(),
	hold: stepHoldSchema.optional().meta({ description: 'While the step waits: why.' }),
	approval: approvalSchema.optional().meta({ description: 'While an approval waits: its current round.' }),
	checklist: checklistSchema.optional(),
	items: z.looseObject({ total: z.int(), succeeded: z.int(), failed: z.int(), skipped: z.int() }).optional().meta({ description: 'A forEach step’s progress.' }),
	retry: z
		.looseObject({ nextAttemptAt: isoTime, lastError: z.string(), infrastructure: z.boolean().optional() })
		.optional()
		.meta({ description: 'While the step waits to try again: when, and why the last attempt failed (`infrastructure`: Tend’s own database was away, which spends no attempt).' })
});

/** The run view (web/src/lib/run-types.ts RunView), as GET /runs/{id} answers and the event stream sends it. */
export const runSchema = z
	.looseObject({
		id: z.string(),
		runbook: z.string(),
		version: z.int(),
		status: z.enum(RUN_STATUSES),
		initiator: z.string(),
		inputs: jsonObject,
		target: z.string().nullable(),
		error: z.string().nullable(),
		createdAt: isoTime,
		startedAt: nullableTime,
		finishedAt: nullableTime,
		resumes: z.int().meta({ description: 'How many times a person resumed the run from its failed step.' }),
		queue: z.looseObject({ target: z.string(), behind: z.array(z.string()) }).optional().meta({ description: 'While the run waits its turn on its target: the runs ahead of it.' }),
		emergencyStop: z.looseObject({ reason: z.string(), by: z.string() }).optional().meta({ description: 'The emergency stop in force while the run is open.' }),
		steps: z.array(stepViewSchema)
	})
	.meta({ id: 'Run' });

/** One entry of a run's log (web/src/lib/run-types.ts RunEventView), as the event stream's `events` event sends them. */
export const runEventSchema = z
	.looseObject({
		id: z.int().meta({ description: 'Ascending; the stream’s event id, for `?after=` and `Last-Event-ID`.' }),
		stepId: z.string().nullable(),
		kind: z.string().nullable().meta({ description: 'What happened (`step.succeeded`, `approval.decided`, …); null on events written before kinds existed.' }),
		details: jsonObject.nullable().meta({ description: 'The kind’s structured details.' }),
		status: z.string().meta({ description: 'The word its badge shows.' }),
		message: z.string().nullable().meta({ description: 'In English, rendered from `kind` and `details`.' }),
		at: isoTime
	})
	.meta({ id: 'RunEvent' });

export const auditEntrySchema = z
	.looseObject({
		id: z.int(),
		seq: z.int().nullable(),
		at: isoTime,
		actor: z.string(),
		action: z.string(),
		subject: z.string(),
		details: jsonObject,
		prevHash: z.string().nullable(),
		hash: z.string().nullable()
	})
	.meta({ id: 'AuditEntry', description: 'seq, prevHash and hash are null until the sealer has chained the entry, moments after its commit' });

export const notificationSchema = z
	.looseObject({
		id: z.uuid(),
		title: z.string(),
		body: z.string(),
		link: z.string().nullable(),
		runId: z.string().nullable(),
		read: z.boolean(),
		readAt: nullableTime,
		createdAt: isoTime
	})
	.meta({ id: 'Notification' });

export const scheduleSchema = z
	.looseObject({
		id: z.string(),
		runbook: z.string(),
		spec: z.looseObject({ cron: z.string().optional(), every: z.string().optional(), timezone: z.string() }),
		inputs: jsonObject,
		paused: z.boolean(),
		note: z.string().nullable(),
		nextRuns: z.array(isoTime),
		recentRuns: z.array(z.looseObject({ runId: z.string().optional(), at: isoTime })),
		createdBy: z.string()
	})
	.meta({ id: 'Schedule' });

export const windowViewSchema = z
	.looseObject({
		name: z.string(),
		title: z.string(),
		kind: z.enum(['maintenance', 'freeze']),
		timezone: z.string(),
		description: z.string().optional(),
		targets: z.array(z.string()).optional(),
		state: z.looseObject({ open: z.boolean().optional(), inForce: z.boolean().optional(), until: isoTime.optional() }),
		nextOpenings: z.array(z.looseObject({ start: isoTime, end: isoTime })),
		document: documentRef('Window').optional().meta({ description: 'The document as defined (in the answer about one window).' })
	})
	.meta({
		id: 'WindowView',
		description: 'A maintenance window is `open`, a freeze `inForce`; `until` is when that changes (the end of the current opening or the start of the next). The first of `nextOpenings` may be in progress.'
	});

export const storedTargetSchema = z
	.looseObject({ name: z.string(), title: z.string(), document: documentRef('Target'), createdAt: isoTime, updatedAt: isoTime })
	.meta({ id: 'StoredTarget' });

export const targetConnectionsSchema = z
	.looseObject({
		target: z.string(),
		checkedAt: isoTime,
		databases: z.array(
			z.looseObject({
				name: z.string(),
				ok: z.boolean(),
				host: z.string().optional(),
				database: z.string().optional(),
				serverVersion: z.string().optional(),
				user: z.string().optional(),
				readOnly: z.boolean().optional(),
				superuser: z.boolean().optional().meta({ description: 'The login is a superuser: steps that do not need one refuse it unless allowSuperuser is set.' }),
				serverAccess: z.boolean().optional().meta({ description: "The login can reach the server's files or programs; sql.check refuses such a read login." }),
				latencyMs: z.int(),
				error: z.string().optional(),
				allowSuperuser: z.boolean().optional(),
				roles: z
					.array(
						z.looseObject({
							purpose: z.enum(['read', 'backup', 'owner']),
							ok: z.boolean(),
							user: z.string().optional(),
							superuser: z.boolean().optional(),
							serverAccess: z.boolean().optional(),
							error: z.string().optional()
						})
					)
					.optional()
					.meta({ description: "The database's own login per purpose, each checked." }),
				warnings: z.array(z.string()).optional()
			})
		),
		urls: z.array(z.looseObject({ name: z.string(), url: z.string(), ok: z.boolean(), status: z.int().optional(), latencyMs: z.int(), error: z.string().optional() }))
	})
	.meta({ id: 'TargetConnections', description: 'Hosts and database names only: never a credential or a whole connection URL.' });

/** What putting a window or a target answers: they are replaced, not versioned. */
export const documentPutSchema = z.looseObject({ name: z.string(), changed: z.boolean() });

/** A drill run (issue 13): its status, clock, scores against the objectives, and timeline. */
export const drillRunSchema = z
	.looseObject({
		id: z.string(),
		drill: z.string(),
		version: z.int(),
		status: z.enum(['preparing', 'waiting_ack', 'recovering', 'verifying', 'passed', 'failed', 'aborted']),
		target: z.string(),
		scratchTarget: z.string().nullable(),
		scratchDatabase: z.string().nullable(),
		recoveryRunId: z.string().nullable(),
		startedAt: isoTime,
		faultAt: nullableTime,
		acknowledgedAt: nullableTime,
		acknowledgedBy: z.string().nullable(),
		recoveredAt: nullableTime,
		finishedAt: nullableTime,
		finding: z.string().nullable(),
		scores: z
			.looseObject({
				ackMs: z.number().nullable(),
				rtoMs: z.number().nullable(),
				rpoMs: z.number().nullable(),
				rowsLost: z.record(z.string(), z.number()),
				ackMet: z.boolean().nullable(),
				rtoMet: z.boolean().nullable(),
				rpoMet: z.boolean().nullable()
			})
			.nullable(),
		timeline: z.array(z.looseObject({ at: isoTime, kind: z.string(), details: jsonObject })),
		debrief: z.looseObject({}).nullable()
	})
	.meta({ id: 'DrillRun' });
