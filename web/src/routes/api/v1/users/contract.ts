import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { newUserSchema } from '$lib/server/user-input.ts';

const user = z.looseObject({ id: z.string(), username: z.string(), displayName: z.string(), email: z.string(), roles: z.array(z.string()), createdAt: z.string() });

export const GET = operation({
	summary: 'List users (admin)',
	access: ['admin'],
	responses: { 200: { description: 'Users', schema: z.looseObject({ users: z.array(user) }) } }
});

export const POST = operation({
	summary: 'Create a user (admin)',
	access: ['admin'],
	body: { json: newUserSchema },
	responses: { 201: { description: 'Created', schema: z.looseObject({ user }) }, 409: 'The username is already taken.' }
});
