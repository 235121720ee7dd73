import { z } from 'zod';
import { resourceName, versionParam } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'A runbook with its latest version (or `?version=N`)',
	access: RUNBOOK_READERS,
	params: z.object({ name: resourceName }),
	query: z.object({ version: versionParam.optional() }),
	responses: {
		200: { description: 'Runbook', schema: z.looseObject({ name: z.string(), version: z.looseObject({ version: z.int(), source: z.string() }) }) },
		404: 'No such runbook or version.'
	}
});
