import { redirect } from '@sveltejs/kit';
import { requireUser } from '$lib/server/guard.ts';
import type { PageServerLoad } from './$types';

export const load = (({ locals, url }) => {
	requireUser(locals, url);
	throw redirect(303, '/account/password');
}) satisfies PageServerLoad;
