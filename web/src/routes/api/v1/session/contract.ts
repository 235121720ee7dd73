import { z } from 'zod';
import { text } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Sign in (sets the session cookie); an account with a second factor needs `code` too',
	description: 'Without `code`, an account with a second factor is answered 401 with `mfaRequired: true` (only once the password was right).',
	access: 'public',
	body: {
		json: z.object({
			username: text(200, 'is required'),
			password: text(1024, 'is required'),
			code: z
				.string()
				.trim()
				.min(1, 'is required when given')
				.max(32)
				.optional()
				.meta({ description: 'The authenticator’s current code, or an unused recovery code.' })
		})
	},
	responses: {
		200: {
			description: 'Signed in; the session and device cookies are set',
			schema: z.object({ user: z.object({ id: z.string(), username: z.string(), roles: z.array(z.string()), mustChangePassword: z.boolean(), mfaEnrolled: z.boolean() }) }),
			headers: { 'Set-Cookie': 'The session cookie, and a device cookie that keeps this client clear of throttling caused by others' }
		},
		401: 'Wrong username or password; or, with `mfaRequired: true`, a one-time code is required or did not pass.',
		403: 'The account is disabled.',
		429: { description: 'Too many failed sign-ins.', headers: { 'Retry-After': 'Seconds until sign-in is allowed again.' } }
	}
});

export const DELETE = operation({
	summary: 'Sign out the session the request came with (cookie or bearer)',
	access: 'signed-in',
	responses: { 204: 'Signed out' }
});
