import { z } from 'zod';
import { resourceName, text, versionNumber } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { MAX_DOCUMENT_BYTES, MAX_STEPS } from '$runbooks/limits.ts';

const scenario = z
	.strictObject({
		/** A runbook document (YAML or JSON) to simulate instead of a published version: the builder's draft, say. */
		source: z.string().optional().meta({ description: `at most ${MAX_DOCUMENT_BYTES.toLocaleString('en')} bytes and ${MAX_STEPS.toLocaleString('en')} steps` }),
		version: versionNumber.optional(),
		inputs: z.record(z.string().max(200), z.union([text(65_536), z.number(), z.boolean()])).default({}),
		failAt: text(200).optional(),
		reject: z.array(text(200)).max(1000).default([])
	})
	.refine((body) => body.source === undefined || body.version === undefined, { path: ['version'], error: 'not allowed with source: send either a source or a version' })
	.meta({ not: { required: ['source', 'version'] } });

export const POST = operation({
	summary: 'Dry run: what a run would do, with simulated results and no side effects',
	description:
		'Of the published version (the latest unless `version` is given), or of the document in `source`. Nothing is written, so a reader may ask; the parse and the simulation run off the request thread.',
	access: RUNBOOK_READERS,
	params: z.object({ name: resourceName }),
	body: { json: scenario, maxBytes: 2 * 1024 * 1024 },
	parsedOffThread: 'source',
	checkedBeyondSchema: '`source` is a runbook document, checked as publishing checks one; `failAt` and `reject` must name steps (and approvals) of the runbook.',
	responses: {
		200: { description: 'The simulated timeline', schema: z.looseObject({ runbook: z.string(), version: z.int().nullable(), steps: z.array(z.looseObject({ id: z.string() })) }) },
		404: 'No such runbook or version.',
		413: `The runbook in \`source\` is larger than ${MAX_DOCUMENT_BYTES.toLocaleString('en')} bytes (at \`source\`).`,
		422: 'The runbook or the scenario is not valid.'
	}
});
