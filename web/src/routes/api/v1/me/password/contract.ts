import { z } from 'zod';
import { text } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Change your own password; every other session of yours ends',
	description: 'The new password is checked against the passwords most often seen in breaches and for strength (12 to 256 characters).',
	access: 'session',
	body: { json: z.strictObject({ currentPassword: text(1024, 'is required'), newPassword: text(1024, 'is required') }) },
	checkedBeyondSchema: '`newPassword` against the breached-password list and a strength estimate.',
	responses: {
		204: 'Changed',
		403: 'The current password is wrong, or asked with an API token.',
		429: { description: 'Too many wrong passwords.', headers: { 'Retry-After': 'Seconds until another try is allowed.' } }
	}
});
