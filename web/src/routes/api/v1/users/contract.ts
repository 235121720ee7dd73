import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { newUserSchema } from '$lib/server/user-input.ts';

const isoTime = z.string().meta({ format: 'date-time' });

/** A user as the API shows one (user-json.ts): never a hash. */
export const userSchema = z.looseObject({
	id: z.string(),
	username: z.string(),
	displayName: z.string(),
	email: z.string(),
	roles: z.array(z.string()),
	manager: z.string().nullable(),
	disabled: z.boolean(),
	disabledAt: isoTime.nullable(),
	mustChangePassword: z.boolean(),
	mfaEnrolled: z.boolean(),
	lastLoginAt: isoTime.nullable(),
	createdAt: isoTime
});

export const GET = operation({
	summary: 'List users (admin)',
	access: ['admin'],
	responses: { 200: { description: 'Users', schema: z.looseObject({ users: z.array(userSchema) }) } }
});

export const POST = operation({
	summary: 'Create a user (admin)',
	description: 'The password meets the policy a person’s own does (12 to 256 characters, not a breached one, strong enough); `mustChangePassword` makes them choose their own at the first sign-in.',
	access: ['admin'],
	body: { json: newUserSchema },
	checkedBeyondSchema: '`password` against the breached-password list and a strength estimate; `manager` must name another existing user.',
	responses: { 201: { description: 'Created', schema: z.looseObject({ user: userSchema }) }, 409: 'The username is already taken.' }
});
