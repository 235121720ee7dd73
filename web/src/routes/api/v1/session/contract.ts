import { z } from 'zod';
import { text } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Sign in (sets the session cookie)',
	access: 'public',
	body: { json: z.object({ username: text(200, 'is required'), password: text(1024, 'is required') }) },
	responses: {
		200: { description: 'Signed in; the session cookie is set', schema: z.object({ user: z.object({ id: z.string(), username: z.string(), roles: z.array(z.string()) }) }), headers: { 'Set-Cookie': 'The session cookie' } },
		401: 'Wrong username or password.',
		429: { description: 'Too many failed sign-ins.', headers: { 'Retry-After': 'Seconds until sign-in is allowed again.' } }
	}
});

export const DELETE = operation({
	summary: 'Sign out the session the request came with (cookie or bearer)',
	access: 'signed-in',
	responses: { 204: 'Signed out' }
});
