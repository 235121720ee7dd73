import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { DRILL_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';

const drillSummary = z.looseObject({ name: z.string(), title: z.string(), target: z.string(), version: z.int(), fault: z.string(), recovery: z.string() });

export const GET = operation({
	summary: 'Drills: each published drill’s latest version',
	access: RUNBOOK_READERS,
	responses: { 200: { description: 'Drills', schema: z.looseObject({ drills: z.array(drillSummary) }) } }
});

export const POST = operation({
	summary: 'Publish a drill (YAML or JSON document) as a new version',
	description: 'Drills as code: a valid document is published as the next version of the drill of its name; the same source again publishes nothing.',
	access: DRILL_AUTHORS,
	body: { document: 'Drill' },
	parsedOffThread: '(body)',
	checkedBeyondSchema: 'the target must be registered and have the database named, and the recovery runbook must be published.',
	responses: {
		201: { description: 'Published', schema: z.looseObject({ name: z.string(), version: z.int(), created: z.boolean() }), headers: { Location: 'The drill’s URL' } },
		200: { description: 'Unchanged: the source equals the latest version’s', schema: z.looseObject({ name: z.string(), version: z.int(), created: z.boolean() }), headers: { Location: 'The drill’s URL' } }
	}
});
