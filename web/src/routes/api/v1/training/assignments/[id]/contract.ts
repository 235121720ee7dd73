import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { assignmentSchema, learnerModuleSchema } from '$lib/server/contract/training-schemas.ts';
import { TRAINING_ASSIGNERS } from '$lib/roles.ts';

const params = z.object({ id: uuid() });

export const GET = operation({
	summary: 'One assignment with its module (as the learner sees it) and the attempts so far; opening it starts the clock of time spent',
	access: 'signed-in',
	params,
	responses: {
		200: {
			description: 'Assignment',
			schema: assignmentSchema.extend({
				moduleContent: learnerModuleSchema,
				attempts: z.array(z.looseObject({ number: z.int(), score: z.int(), passed: z.boolean(), submittedAt: z.string() })),
				attemptsLeft: z.int()
			})
		},
		404: 'No such assignment (or not yours).'
	}
});

export const DELETE = operation({
	summary: 'Un-assign: the assignment closes and its reminders stop',
	access: TRAINING_ASSIGNERS,
	params,
	temporal: true,
	responses: { 204: 'Un-assigned', 404: 'No such open assignment.' }
});
