import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { requireUser } from '$lib/server/guard.ts';
import { getSettings } from '$lib/server/settings.ts';
import { ApiTokenNotFoundError, createApiToken, isTokenId, listApiTokens, revokeApiToken, TOKEN_SCOPES, tokenGrant, TokenRequestError, holdsScope, MANAGE_TOKENS } from '$lib/server/tokens.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const [tokens, settings] = await Promise.all([listApiTokens(user.id), getSettings()]);
	// The scopes this person can give a token: their roles (admin covers every role) and the right to manage tokens.
	const scopes = TOKEN_SCOPES.filter((scope) => scope === MANAGE_TOKENS || holdsScope(user.roles, scope));
	return { tokens, scopes, roles: user.roles, policy: settings.tokens };
}) satisfies PageServerLoad;

const createSchema = z.object({
	name: z.string().trim().min(1, 'required').max(100, 'tooLong'),
	scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, 'noScopes'),
	expiresInDays: z.coerce.number().int('whole').min(1, 'whole').max(3650, 'tooLong')
});

export const actions = {
	create: async ({ locals, url, request }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const values = { name: String(form.get('name') ?? ''), scopes: form.getAll('scopes').map(String), expiresInDays: String(form.get('expiresInDays') ?? '') };
		const parsed = createSchema.safeParse(values);
		if (!parsed.success) {
			const errors: Record<string, string> = {};
			for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
			return fail(400, { values, errors, messages: {} as Record<string, string> });
		}
		try {
			const grant = await tokenGrant(user, null, parsed.data);
			const created = await createApiToken(user, { name: parsed.data.name, ...grant }, null);
			return { created };
		} catch (error) {
			if (error instanceof TokenRequestError) {
				const errors: Record<string, string> = {};
				const messages: Record<string, string> = {};
				for (const e of error.errors) {
					const field = e.path.split(/[.[]/)[0];
					errors[field] ??= 'policy';
					messages[field] ??= e.message;
				}
				return fail(error.status, { values, errors, messages });
			}
			throw error;
		}
	},

	revoke: async ({ locals, url, request }) => {
		const user = requireUser(locals, url);
		const id = String((await request.formData()).get('id') ?? '');
		try {
			if (!isTokenId(id)) throw new ApiTokenNotFoundError(id);
			await revokeApiToken(id, user, null);
			return { revoked: id };
		} catch (error) {
			if (error instanceof ApiTokenNotFoundError) return fail(404, { revokeError: 'notFound' as const });
			throw error;
		}
	}
} satisfies Actions;
