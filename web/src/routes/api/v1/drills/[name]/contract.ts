import { z } from 'zod';
import { resourceName } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { documentRef, drillRunSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const drillParams = z.object({ name: resourceName });

export const GET = operation({
	summary: 'A drill: its latest version’s document, its versions and its last runs',
	access: RUNBOOK_READERS,
	params: drillParams,
	responses: {
		200: {
			description: 'Drill',
			schema: z.looseObject({
				name: z.string(),
				title: z.string(),
				target: z.string(),
				version: z.int(),
				source: z.string(),
				document: documentRef('Drill'),
				versions: z.array(z.looseObject({ version: z.int(), publishedAt: z.string() })),
				runs: z.array(drillRunSchema)
			})
		},
		404: 'No such drill.'
	}
});
