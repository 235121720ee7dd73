import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';

const published = z.looseObject({ name: z.string(), version: z.int(), created: z.boolean() });

export const GET = operation({
	summary: 'List runbooks',
	access: RUNBOOK_READERS,
	responses: { 200: { description: 'Runbooks', schema: z.looseObject({ runbooks: z.array(z.looseObject({ name: z.string(), title: z.string(), latestVersion: z.int() })) }) } }
});

export const POST = operation({
	summary: 'Publish a runbook document as a new immutable version',
	description: 'Runbooks as code: the body is the document (YAML or JSON); a valid one is published as a new version at once.',
	access: RUNBOOK_AUTHORS,
	body: { document: 'Runbook' },
	parsedOffThread: '(body)',
	checkedBeyondSchema:
		'step ids, `needs` and their cycles, each step’s `with` against its step type, every `${{ }}` expression and what it reads, and that `spec.target` and `spec.window` name a registered target and a defined window.',
	responses: {
		201: { description: 'Published as a new version', schema: published, headers: { Location: 'The runbook’s URL' } },
		200: { description: 'Unchanged: the source equals the latest version', schema: published, headers: { Location: 'The runbook’s URL' } }
	}
});
