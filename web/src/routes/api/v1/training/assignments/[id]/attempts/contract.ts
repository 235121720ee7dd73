import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Submit the quiz of your assignment: graded on the server; a pass completes the assignment',
	access: 'signed-in',
	params: z.object({ id: uuid() }),
	temporal: true,
	body: {
		json: z.strictObject({
			answers: z
				.record(z.string().max(64), z.array(z.string().max(64)).max(20))
				.default({})
				.meta({ description: 'Per question id, the ids of the options chosen. A module without a quiz takes `{}` (read and confirmed).' })
		}),
		namesAt: ['answers']
	},
	checkedBeyondSchema: 'every question and option id must exist in the module’s quiz, and a single-choice question takes one option.',
	responses: {
		200: {
			description: 'Graded',
			schema: z.looseObject({
				score: z.int(),
				passed: z.boolean(),
				attempt: z.int(),
				attemptsLeft: z.int(),
				results: z.array(z.looseObject({ question: z.string(), correct: z.boolean() }))
			})
		},
		404: 'No such assignment of yours.',
		409: 'Already completed, or no attempts left.'
	}
});
