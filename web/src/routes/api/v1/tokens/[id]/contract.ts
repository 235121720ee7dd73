import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

export const DELETE = operation({
	summary: 'Revoke a token (its owner, or an admin); it stops working at once',
	description: 'Through a token, only that token itself, unless it carries the `tokens` scope.',
	access: 'signed-in',
	params: z.object({ id: uuid('must be a token id') }),
	responses: { 204: 'Revoked', 403: 'The token the request came with may not revoke that one.', 404: 'No such token of the caller’s.' }
});
