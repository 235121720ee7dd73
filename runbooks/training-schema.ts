import { z } from 'zod';
import { metadataSchema } from './fields.ts';
import { ISO_DURATION_PATTERN } from './iso-duration.ts';

/**
 * A TrainingModule (DESIGN §5): what people read (Markdown), a quiz graded on the server, and the
 * rules of an assignment — when it is due, when people are reminded, how long a completion stays
 * current. Published and versioned like a runbook.
 */

const isoDuration = z
	.string()
	// A pattern rather than a refinement, so the OpenAPI document carries the same rule the parser applies.
	.regex(ISO_DURATION_PATTERN, 'must be an ISO 8601 duration such as P12M, P14D or PT12H')
	.meta({ description: 'an ISO 8601 duration such as P12M, P14D or PT12H' });

const answerId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be letters, digits, _ and - (at most 64)');
// eslint-disable-next-line no-control-regex -- NUL is refused here so the published schema says what the parser refuses
const PRINCIPAL = /^(role|user):[^\s:\u0000]+$/;

const option = z.strictObject({
	id: answerId,
	text: z.string().min(1).max(2000),
	correct: z.boolean().default(false)
});

const question = z
	.strictObject({
		id: answerId,
		text: z.string().min(1).max(4000),
		type: z.enum(['single', 'multiple']).default('single').describe('single: exactly one option is right; multiple: every right option and no other'),
		options: z.array(option).min(2, 'give at least two options').max(20)
	})
	.superRefine((q, ctx) => {
		const ids = new Set<string>();
		q.options.forEach((o, i) => {
			if (ids.has(o.id)) ctx.addIssue({ code: 'custom', path: ['options', i, 'id'], message: `option id "${o.id}" is used twice in this question` });
			ids.add(o.id);
		});
		const correct = q.options.filter((o) => o.correct).length;
		if (q.type === 'single' && correct !== 1) ctx.addIssue({ code: 'custom', path: ['options'], message: `a single-choice question needs exactly one correct option (it has ${correct})` });
		if (q.type === 'multiple' && correct < 1) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a multiple-choice question needs at least one correct option' });
	});

export const quizSchema = z
	.strictObject({
		passMark: z.int().min(0).max(100).default(80).describe('the score in percent that passes'),
		attempts: z.int().min(1).max(100).default(3).describe('attempts allowed per assignment (and per recertification)'),
		questions: z.array(question).min(1).max(100)
	})
	.superRefine((quiz, ctx) => {
		const ids = new Set<string>();
		quiz.questions.forEach((q, i) => {
			if (ids.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `question id "${q.id}" is used twice` });
			ids.add(q.id);
		});
	});

export const trainingModuleSchema = z.strictObject({
	apiVersion: z.literal('tend/v1'),
	kind: z.literal('TrainingModule'),
	metadata: metadataSchema,
	spec: z.strictObject({
		audience: z
			.array(z.string().regex(PRINCIPAL, 'must be role:NAME or user:USERNAME'))
			.default([])
			.describe('who the module is meant for (role:NAME or user:USERNAME); assigning to its audience assigns to them'),
		estimatedMinutes: z.int().min(1).max(1440),
		content: z.string().min(1).max(200_000).describe('Markdown; raw HTML is shown as text, never run'),
		links: z
			// eslint-disable-next-line no-control-regex -- NUL is refused here so the published schema says what the parser refuses
			.array(z.strictObject({ title: z.string().min(1).max(200), url: z.string().regex(/^https?:\/\/[^\s\u0000]+$/i, 'must be an http:// or https:// URL') }))
			.max(50)
			.default([]),
		quiz: quizSchema.optional(),
		validity: isoDuration.optional().describe('how long a completion stays current; it must be retaken after (default: for ever)'),
		due: isoDuration.default('P14D').describe('how long an assignment has until it is due, unless the assigner gives a date'),
		reminders: z.array(isoDuration).max(10).default(['P3D', 'P1D']).describe('when the assignee is reminded, counted back from the due date')
	})
});

export type TrainingModuleDocument = z.output<typeof trainingModuleSchema>;
export type Quiz = z.output<typeof quizSchema>;
