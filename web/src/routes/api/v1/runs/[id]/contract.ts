import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { runSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const runParams = z.object({ id: uuid('must be a run id') });

export const GET = operation({
	summary: 'A run and its steps',
	description: 'While a run is open: why a step waits (`hold`), its checklist, its approval, its forEach progress, and the runs a queued run waits behind.',
	access: RUNBOOK_READERS,
	params: runParams,
	responses: { 200: { description: 'Run', schema: runSchema }, 404: 'No such run.' }
});
