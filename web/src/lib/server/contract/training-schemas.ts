import { z } from 'zod';
import { TRAINING_STATUSES } from '$db/schema/training.ts';

/** The shapes the training API answers with (loose: fields are added, never renamed or dropped). */

const isoTime = z.string().meta({ format: 'date-time' });

export const moduleSummarySchema = z
	.looseObject({
		name: z.string(),
		title: z.string(),
		latestVersion: z.int(),
		estimatedMinutes: z.int(),
		audience: z.array(z.string()),
		validity: z.string().nullable(),
		hasQuiz: z.boolean()
	})
	.meta({ id: 'TrainingModuleSummary' });

export const learnerModuleSchema = z
	.looseObject({
		name: z.string(),
		title: z.string(),
		version: z.int(),
		estimatedMinutes: z.int(),
		content: z.string().meta({ description: 'The Markdown as written.' }),
		html: z.string().meta({ description: 'The Markdown rendered and sanitised: no raw HTML, script, event handler or javascript: URL.' }),
		links: z.array(z.looseObject({ title: z.string(), url: z.string() })),
		validity: z.string().nullable(),
		quiz: z
			.looseObject({
				passMark: z.int(),
				attempts: z.int(),
				questions: z.array(z.looseObject({ id: z.string(), text: z.string(), type: z.enum(['single', 'multiple']), options: z.array(z.looseObject({ id: z.string(), text: z.string() })) }))
			})
			.nullable()
			.meta({ description: 'The quiz without its answers: they never leave the server.' })
	})
	.meta({ id: 'TrainingModuleForLearner' });

export const assignmentSchema = z
	.looseObject({
		id: z.string(),
		module: z.string(),
		moduleTitle: z.string(),
		user: z.string(),
		status: z.enum(TRAINING_STATUSES),
		cycle: z.int(),
		due: isoTime,
		completedAt: isoTime.nullable(),
		score: z.int().nullable(),
		timeSpentSeconds: z.int().nullable(),
		expiresAt: isoTime.nullable()
	})
	.meta({ id: 'TrainingAssignment' });
