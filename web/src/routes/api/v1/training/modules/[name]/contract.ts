import { z } from 'zod';
import { resourceName, versionParam } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { learnerModuleSchema } from '$lib/server/contract/training-schemas.ts';

export const GET = operation({
	summary: 'A training module as a learner sees it (latest version, or `?version=N`): content rendered safely, quiz without answers',
	access: 'signed-in',
	params: z.object({ name: resourceName }),
	query: z.object({ version: versionParam.optional() }),
	responses: { 200: { description: 'Module', schema: learnerModuleSchema }, 404: 'No such module or version.' }
});
