import { z } from 'zod';
import { resourceName, versionParam } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'Diff two versions',
	description: '`?from=1&to=2` (to defaults to the latest): a unified patch of the sources and which steps changed.',
	access: RUNBOOK_READERS,
	params: z.object({ name: resourceName }),
	query: z.object({ from: versionParam, to: versionParam.optional() }),
	responses: {
		200: { description: 'Patch and step changes', schema: z.looseObject({ from: z.int(), to: z.int(), patch: z.string() }) },
		404: 'The runbook has no such version.'
	}
});
