import { z } from 'zod';
import { characters } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '$shared/secret-store.ts';

export const PUT = operation({
	summary: 'Set a secret (admin; write-only), referenced from documents as secret:NAME',
	description: 'Write-only: the answer has no body, and nothing ever shows the value again.',
	access: ['admin'],
	params: z.object({ name: z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE) }),
	invalidParams: 422,
	body: {
		json: z.strictObject({
			value: z
				.string()
				.min(1, 'must not be empty')
				.refine((value) => characters(value) <= 65_536, 'must be at most 64 KiB')
				.meta({ maxLength: 65_536, writeOnly: true })
		})
	},
	responses: { 204: 'Stored (encrypted at rest)' }
});
