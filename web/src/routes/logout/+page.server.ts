import { redirect } from '@sveltejs/kit';
import { deleteSessionCookie, invalidateSession } from '$lib/server/auth.ts';
import type { Actions, PageServerLoad } from './$types';

/** Signing out is a POST (a link could be followed by a crawler or an <img>); GET only asks to confirm. */
export const load = (({ locals }) => {
	if (!locals.user) throw redirect(303, '/login');
	return {};
}) satisfies PageServerLoad;

export const actions = {
	logout: async ({ locals, cookies, url }) => {
		if (locals.session) await invalidateSession(locals.session.id);
		deleteSessionCookie(cookies, url);
		throw redirect(303, '/login');
	}
} satisfies Actions;
