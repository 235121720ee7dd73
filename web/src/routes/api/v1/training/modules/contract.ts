import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { moduleSummarySchema } from '$lib/server/contract/training-schemas.ts';
import { TRAINING_AUTHORS } from '$lib/roles.ts';

const published = z.looseObject({ name: z.string(), version: z.int(), created: z.boolean() });

export const GET = operation({
	summary: 'List training modules',
	access: 'signed-in',
	responses: { 200: { description: 'Modules', schema: z.looseObject({ modules: z.array(moduleSummarySchema) }) } }
});

export const POST = operation({
	summary: 'Publish a training module document as a new immutable version',
	description: 'Modules as code: the body is a TrainingModule document (YAML or JSON); a valid one is published as a new version at once.',
	access: TRAINING_AUTHORS,
	body: { document: 'TrainingModule' },
	parsedOffThread: '(body)',
	checkedBeyondSchema: 'a single-choice question needs exactly one correct option, a multiple-choice one at least one, and option and question ids are not repeated.',
	responses: {
		201: { description: 'Published as a new version', schema: published, headers: { Location: 'The module’s URL' } },
		200: { description: 'Unchanged: the source equals the latest version', schema: published, headers: { Location: 'The module’s URL' } }
	}
});
