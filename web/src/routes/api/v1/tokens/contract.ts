import { z } from 'zod';
import { statement } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { ROLES } from '$db/schema/users.ts';

/** Roles, and `tokens`: the right to revoke the owner's other tokens (tokens.ts's TOKEN_SCOPES, without its database). */
const TOKEN_SCOPES = [...ROLES, 'tokens'] as const;

const isoTime = z.string().meta({ format: 'date-time' });
const tokenSummary = z.looseObject({ id: z.string(), name: z.string(), scopes: z.array(z.string()), expiresAt: isoTime });

export const GET = operation({
	summary: 'The caller’s API tokens, revoked ones included, with expiry and last use (never the token itself)',
	access: 'signed-in',
	responses: { 200: { description: 'Tokens', schema: z.looseObject({ tokens: z.array(tokenSummary.extend({ lastUsedAt: isoTime.nullable().optional() })) }) } }
});

export const POST = operation({
	summary: 'Create an API token (shown once), never wider than its maker',
	description:
		'Scopes are roles the owner holds (and, through a token, scopes that token carries), or `tokens` (revoke the owner’s other tokens); without `scopes` it copies the maker’s, and an empty list is refused. It expires by the admin’s default, within the admin’s maximum and never after the token that makes it.',
	access: 'signed-in',
	body: {
		json: z.strictObject({
			name: statement(100, 'is required'),
			scopes: z
				.array(z.enum(TOKEN_SCOPES))
				.min(1, 'list at least one scope: an empty list grants nothing; leave scopes out to copy yours')
				.max(TOKEN_SCOPES.length * 4)
				.optional(),
			expiresInDays: z.int().min(1).max(3650).optional()
		})
	},
	checkedBeyondSchema: '`expiresInDays` against the admin’s maximum and the expiry of the token the request came with.',
	responses: {
		201: { description: 'Created; `token` is shown this once', schema: tokenSummary.extend({ token: z.string() }), headers: { Location: 'The token’s URL' } },
		400: 'A scope is one the owner, or the token the request came with, does not hold.'
	}
});
