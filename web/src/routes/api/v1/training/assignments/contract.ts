import { z } from 'zod';
import { resourceName, text } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { assignmentSchema } from '$lib/server/contract/training-schemas.ts';
import { TRAINING_STATUSES } from '$db/schema/training.ts';
import { TRAINING_ASSIGNERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'Training assignments: your own (`?user=me`, the default), or — for an admin — anyone’s, by person, module or status',
	access: 'signed-in',
	query: z.object({
		user: z.string().max(200).optional().meta({ description: '`me` (default), or a username (admin only)' }),
		module: resourceName.optional(),
		status: z.enum(TRAINING_STATUSES).optional()
	}),
	responses: {
		200: { description: 'Assignments', schema: z.looseObject({ assignments: z.array(assignmentSchema) }) },
		403: 'Only an admin may see other people’s assignments.',
		404: 'No such user.'
	}
});

export const POST = operation({
	summary: 'Assign a module to people and roles (idempotent: nobody gets it twice)',
	description: 'Each assignment is a durable workflow: notice, reminders before the due date, escalation to the person’s manager when overdue, recertification when the module’s validity runs out.',
	access: TRAINING_ASSIGNERS,
	temporal: true,
	body: {
		json: z.strictObject({
			module: resourceName,
			assignees: z
				// eslint-disable-next-line no-control-regex -- NUL is refused here so the published schema says what the parser refuses
				.array(text(200, 'must not be empty').regex(/^(?:(?:user|role):[^\s:\u0000]+|audience)$/, 'must be user:NAME, role:NAME or audience'))
				.min(1, 'name at least one assignee')
				.max(1000),
			due: z
				.string()
				.max(64)
				.optional()
				.meta({ description: 'An ISO 8601 instant (2026-12-31T18:00:00Z) or a duration from now (P7D); default: the module’s `due`.' })
		})
	},
	checkedBeyondSchema: 'that the module exists, every user:NAME is an active user and every role:NAME a role, and that `due` is a valid instant or duration in the future.',
	responses: {
		201: { description: 'Assigned (ids of every open assignment of the module for these people, old and new)', schema: z.looseObject({ ids: z.array(z.string()), created: z.int() }) },
		404: 'No such module.'
	}
});
