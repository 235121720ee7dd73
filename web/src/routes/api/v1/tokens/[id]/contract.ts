import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

export const DELETE = operation({
	summary: 'Revoke a token (its owner, or an admin); it stops working at once',
	access: 'signed-in',
	params: z.object({ id: uuid('must be a token id') }),
	responses: { 204: 'Revoked', 404: 'No such token of the caller’s.' }
});
