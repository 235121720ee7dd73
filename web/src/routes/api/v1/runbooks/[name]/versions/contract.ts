import { z } from 'zod';
import { resourceName } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'Its versions, newest first',
	access: RUNBOOK_READERS,
	params: z.object({ name: resourceName }),
	responses: { 200: { description: 'Versions', schema: z.looseObject({ versions: z.array(z.looseObject({ version: z.int() })) }) }, 404: 'No such runbook.' }
});
