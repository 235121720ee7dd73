import { z } from 'zod';
import { statement } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { ROLES } from '$db/schema/users.ts';

const tokenSummary = z.looseObject({ id: z.string(), name: z.string(), scopes: z.array(z.string()), expiresAt: z.string().nullable() });

export const GET = operation({
	summary: 'The caller’s API tokens, revoked ones included (never the token itself)',
	access: 'signed-in',
	responses: { 200: { description: 'Tokens', schema: z.looseObject({ tokens: z.array(tokenSummary) }) } }
});

export const POST = operation({
	summary: 'Create an API token (shown once); scopes narrow it to some of the caller’s roles',
	description: 'Scopes must be roles the caller holds now; a request made with a scoped token cannot mint a broader one, so without `scopes` it inherits the caller’s.',
	access: 'signed-in',
	body: {
		json: z.strictObject({
			name: statement(100, 'is required'),
			scopes: z.array(z.enum(ROLES)).max(ROLES.length).optional(),
			expiresInDays: z.int().min(1).max(3650).optional()
		})
	},
	responses: {
		201: { description: 'Created; `token` is shown this once', schema: tokenSummary.extend({ token: z.string() }), headers: { Location: 'The token’s URL' } },
		400: 'A scope names a role the caller does not hold.'
	}
});
