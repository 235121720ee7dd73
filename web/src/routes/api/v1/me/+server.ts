import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ locals }) => {
	const user = apiUser(locals);
	if (user instanceof Response) return user;
	return json({ user, session: locals.session && { expiresAt: locals.session.expiresAt.toISOString() } });
};
