import { z } from 'zod';
import { resourceName, versionNumber } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { MAX_DRAFT_BYTES, MAX_DRAFT_REQUEST_BYTES } from '$lib/server/draft-limits.ts';
import { RUNBOOK_AUTHORS } from '$lib/roles.ts';

/** The builder's draft of one runbook. Authors only: a draft is unpublished work, not something to run or read. */

const params = z.object({ name: resourceName });
const draft = z.looseObject({ name: z.string(), source: z.string(), baseVersion: z.int().nullable(), updatedBy: z.string(), updatedAt: z.string() });

export const GET = operation({
	summary: "The builder's draft of a runbook (authors)",
	access: RUNBOOK_AUTHORS,
	params,
	invalidParams: 400,
	responses: { 200: { description: 'The draft', schema: draft }, 404: 'There is no draft of this runbook.' }
});

export const PUT = operation({
	summary: 'Save the draft (not a published version)',
	access: RUNBOOK_AUTHORS,
	params,
	invalidParams: 400,
	body: {
		json: z.strictObject({
			source: z.string().meta({ maxLength: MAX_DRAFT_BYTES, description: `The runbook as written, at most ${MAX_DRAFT_BYTES} bytes of UTF-8; it need not be valid yet.` }),
			/** The published version the draft started from; null for a runbook not published yet. */
			baseVersion: versionNumber.nullable().default(null)
		}),
		maxBytes: MAX_DRAFT_REQUEST_BYTES
	},
	checkedBeyondSchema: '`baseVersion` must be a published version of this runbook.',
	responses: { 200: { description: 'Saved', schema: draft }, 413: `The source is larger than ${MAX_DRAFT_BYTES} bytes.`, 422: 'The runbook has no such published version.' }
});

export const DELETE = operation({
	summary: 'Discard the draft',
	access: RUNBOOK_AUTHORS,
	params,
	invalidParams: 400,
	responses: { 204: 'Discarded', 404: 'There is no draft of this runbook.' }
});
