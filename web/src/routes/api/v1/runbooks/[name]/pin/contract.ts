import { z } from 'zod';
import { resourceName, versionNumber } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_AUTHORS } from '$lib/roles.ts';

const params = z.object({ name: resourceName });
const pin = { description: 'The pin', schema: z.object({ pinnedVersion: z.int().nullable(), currentVersion: z.int() }) };

export const PUT = operation({
	summary: 'Pin the version runs start when none is named (authors); pinning the latest unpins',
	description: 'Operators, schedules and child runs all start the pinned version. Audited.',
	access: RUNBOOK_AUTHORS,
	params,
	body: { json: z.strictObject({ version: versionNumber }) },
	checkedBeyondSchema: '`version` must be a published version of the runbook.',
	responses: { 200: pin, 404: 'No such runbook.' }
});

export const DELETE = operation({
	summary: 'Unpin: runs start the latest version again (authors)',
	access: RUNBOOK_AUTHORS,
	params,
	responses: { 200: pin, 404: 'No such runbook.' }
});
