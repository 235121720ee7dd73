import { z } from 'zod';
import { resourceName } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { windowViewSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'A window, its document, where it stands now and its next 5 openings',
	access: RUNBOOK_READERS,
	params: z.object({ name: resourceName }),
	responses: { 200: { description: 'Window', schema: windowViewSchema }, 404: 'No such window.' }
});
