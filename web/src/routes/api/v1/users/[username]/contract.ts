import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { userUpdateSchema } from '$lib/server/user-input.ts';
import { userSchema } from '../contract.ts';

export const userParams = z.object({ username: z.string().min(1).max(200) });
const one = { description: 'User', schema: z.looseObject({ user: userSchema }) };

export const GET = operation({
	summary: 'A user (admin)',
	access: ['admin'],
	params: userParams,
	responses: { 200: one, 404: 'No such user.' }
});

export const PATCH = operation({
	summary: 'Change a user (admin): display name, email, roles, manager, disabled; each change audited',
	description: '`roles` is replaced whole; `manager` is a username or null. Disabling ends their sessions and stops their tokens.',
	access: ['admin'],
	params: userParams,
	body: { json: userUpdateSchema },
	responses: { 200: one, 404: 'No such user.', 409: 'The change is refused: the last enabled admin, yourself disabled, or a manager who is not another user (with its `path`).' }
});
