import { z } from 'zod';
import { resourceName } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { storedTargetSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const targetParams = z.object({ name: resourceName });

export const GET = operation({
	summary: 'A target and its document as published',
	description: 'The document holds `secret:NAME` references, never a secret’s value.',
	access: RUNBOOK_READERS,
	params: targetParams,
	responses: { 200: { description: 'Target', schema: storedTargetSchema }, 404: 'No such target.' }
});
