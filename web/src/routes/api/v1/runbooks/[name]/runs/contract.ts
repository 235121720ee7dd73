import { z } from 'zod';
import { givenInputsSchema, resourceName, versionNumber } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUN_STARTERS } from '$lib/roles.ts';

export const POST = operation({
	summary: 'Start a run',
	description: 'Runs start the runbook’s current version: the one an author pinned, else the latest. Only an author may name another `version`.',
	access: RUN_STARTERS,
	params: z.object({ name: resourceName }),
	body: { json: z.strictObject({ inputs: givenInputsSchema.default({}), version: versionNumber.optional() }), namesAt: ['inputs'] },
	temporal: true,
	checkedBeyondSchema: '`inputs` against the inputs the runbook version declares (names, types, required ones), each problem pointed at in the body.',
	responses: {
		201: { description: 'Started', schema: z.looseObject({ id: z.uuid() }), headers: { Location: 'The run’s URL' } },
		403: 'A `version` other than the current one, named by a caller who is not an author.',
		404: 'No such runbook or version.',
		422: 'The run cannot start with these inputs.'
	}
});
