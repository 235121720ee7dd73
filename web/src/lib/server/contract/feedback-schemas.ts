import { z } from 'zod';
import { FEEDBACK_PRIORITIES, FEEDBACK_STATUSES, FEEDBACK_TYPES } from '$shared/feedback-model.ts';
import { statement, uuid } from './fields.ts';

/** The shapes of feedback items as the API reads and answers them (DESIGN §5). */

const isoTime = z.string().meta({ format: 'date-time' });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });

export const feedbackStatus = oneOf(FEEDBACK_STATUSES);
export const feedbackType = oneOf(FEEDBACK_TYPES);
export const feedbackPriority = oneOf(FEEDBACK_PRIORITIES);

export const feedbackParams = z.object({ id: uuid('must be a feedback item id') });

export const newFeedbackSchema = z.strictObject({
	target: z.string().min(1, 'must name a target').max(200),
	type: feedbackType,
	title: statement(200, 'must say what it is about'),
	body: z.string().max(20_000, 'must be at most 20000 characters').optional(),
	priority: feedbackPriority.optional()
});

export const feedbackChangeSchema = z
	.strictObject({
		status: feedbackStatus.optional(),
		priority: feedbackPriority.optional(),
		assignee: z.string().min(1).max(200).nullable().optional().meta({ description: 'A username, or null to unassign.' })
	})
	.refine((c) => c.status !== undefined || c.priority !== undefined || c.assignee !== undefined, { message: 'must change status, priority or assignee' });

export const feedbackSummarySchema = z.looseObject({
	id: z.string(),
	status: feedbackStatus,
	type: feedbackType,
	priority: feedbackPriority,
	target: z.string(),
	title: z.string(),
	submitter: z.string(),
	assignee: z.string().nullable(),
	duplicateOf: z.string().nullable(),
	createdAt: isoTime,
	updatedAt: isoTime,
	closedAt: isoTime.nullable()
});

export const feedbackEventSchema = z.looseObject({ kind: z.string(), actor: z.string(), at: isoTime, details: z.record(z.string(), z.unknown()) });

export const feedbackViewSchema = feedbackSummarySchema.extend({
	body: z.string(),
	votes: z.int(),
	voted: z.boolean(),
	watching: z.boolean(),
	duplicates: z.array(z.string()).meta({ description: 'Items merged into this one.' }),
	closedBy: z.string().nullable(),
	closedByRun: z.string().nullable().meta({ description: 'The run whose success closed the item, its evidence.' }),
	links: z.array(z.looseObject({ runId: z.string(), status: z.string(), runbook: z.string(), outcome: z.string().nullable(), linkedBy: z.string(), linkedAt: isoTime })),
	events: z.array(feedbackEventSchema)
});
