import { z } from 'zod';
import { ROLES } from '../../../../db/schema/users.ts';
import { characters, note } from './contract/fields.ts';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,62}$/;

/** What creating a user accepts, from the JSON API and from the admin form alike. */
export const newUserSchema = z.object({
	username: z
		.string()
		.trim()
		.toLowerCase()
		.regex(USERNAME_PATTERN, 'must be 2–63 lower-case letters, digits, dots, dashes or underscores'),
	password: z
		.string()
		.refine((value) => characters(value) >= 12, 'must be at least 12 characters')
		.refine((value) => characters(value) <= 256, 'must be at most 256 characters')
		.meta({ minLength: 12, maxLength: 256 }),
	roles: z.array(z.enum(ROLES)).min(1, 'choose at least one role').max(ROLES.length * 4),
	email: z.union([z.literal(''), z.email('must be an email address').max(320)]).optional(),
	displayName: note(200).optional()
});
export type NewUserInput = z.infer<typeof newUserSchema>;
