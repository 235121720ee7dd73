import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { documentPutSchema, storedTargetSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'Registered targets with their documents (secret: references, never values)',
	access: RUNBOOK_READERS,
	responses: { 200: { description: 'Targets', schema: z.looseObject({ targets: z.array(storedTargetSchema) }) } }
});

export const POST = operation({
	summary: 'Register or replace a target (YAML or JSON document)',
	description: 'Targets as code: a valid document registers or replaces the target of its name.',
	access: RUNBOOK_AUTHORS,
	body: { document: 'Target' },
	parsedOffThread: '(body)',
	checkedBeyondSchema: 'every `secret:NAME` must name a stored secret, and a database URL must not carry a password.',
	responses: {
		201: { description: 'Registered', schema: documentPutSchema, headers: { Location: 'The target’s URL' } },
		200: { description: 'Replaced, or unchanged when `changed` is false', schema: documentPutSchema, headers: { Location: 'The target’s URL' } }
	}
});
