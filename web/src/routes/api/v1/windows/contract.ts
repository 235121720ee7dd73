import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { documentPutSchema, windowViewSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'Maintenance windows and change freezes, with where each stands now',
	access: RUNBOOK_READERS,
	responses: { 200: { description: 'Windows', schema: z.looseObject({ windows: z.array(windowViewSchema) }) } }
});

export const POST = operation({
	summary: 'Define or replace a window (YAML or JSON document)',
	description: 'Windows as code: a valid document defines or replaces the window of its name.',
	access: RUNBOOK_AUTHORS,
	body: { document: 'Window' },
	parsedOffThread: '(body)',
	checkedBeyondSchema: 'times and ranges must be real local times in the window’s time zone, and a range must end after it starts.',
	responses: {
		201: { description: 'Defined', schema: documentPutSchema, headers: { Location: 'The window’s URL' } },
		200: { description: 'Replaced, or unchanged when `changed` is false', schema: documentPutSchema, headers: { Location: 'The window’s URL' } }
	}
});
