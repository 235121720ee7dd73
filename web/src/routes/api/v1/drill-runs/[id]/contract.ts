import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { drillRunSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const drillRunParams = z.object({ id: uuid('must be a drill run id (a UUID)') });

export const GET = operation({
	summary: 'A drill run: its status, clock, scores and timeline',
	access: RUNBOOK_READERS,
	params: drillRunParams,
	responses: { 200: { description: 'Drill run', schema: drillRunSchema }, 404: 'No such drill run.' }
});
