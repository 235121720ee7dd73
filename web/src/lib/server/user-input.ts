import { z } from 'zod';
import { ROLES } from '$db/schema/users.ts';
import { characters, note } from './contract/fields.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from './password-policy.ts';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,62}$/;

const usernameSchema = z
	.string()
	.trim()
	.toLowerCase()
	.regex(USERNAME_PATTERN, 'must be 2–63 lower-case letters, digits, dots, dashes or underscores');
const emailSchema = z.union([z.literal(''), z.email('must be an email address').max(320)]);
const displayNameSchema = note(200);
const rolesSchema = z.array(z.enum(ROLES)).min(1, 'choose at least one role').max(ROLES.length * 4);

/** What creating a user accepts, from the JSON API and from the admin form alike; the password meets the same policy as one a person chooses. */
export const newUserSchema = z
	.object({
		username: usernameSchema,
		password: z
			.string()
			.refine((value) => characters(value) >= MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
			.refine((value) => characters(value) <= MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
			.meta({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH }),
		roles: rolesSchema,
		email: emailSchema.optional(),
		displayName: displayNameSchema.optional(),
		/** The username of this person's manager. */
		manager: usernameSchema.nullable().optional(),
		/** Make them choose their own password at the first sign-in (the admin form ticks it by default). */
		mustChangePassword: z.boolean().optional()
	})
	.superRefine((input, ctx) => {
		const length = characters(input.password);
		if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) return;
		const refused = passwordProblem(input.password, [input.username, input.email ?? '', input.displayName ?? '']);
		if (refused) ctx.addIssue({ code: 'custom', path: ['password'], message: refused.message });
	});
export type NewUserInput = z.infer<typeof newUserSchema>;

/** What an admin may change about a user (`PATCH /api/v1/users/{username}`, the users page). */
export const userUpdateSchema = z.strictObject({
	displayName: displayNameSchema.optional(),
	email: emailSchema.optional(),
	roles: rolesSchema.optional(),
	manager: usernameSchema.nullable().optional(),
	disabled: z.boolean().optional()
});
export type UserUpdate = z.infer<typeof userUpdateSchema>;
