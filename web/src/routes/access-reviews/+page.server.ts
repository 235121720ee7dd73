import { fail, redirect } from '@sveltejs/kit';
import { CampaignInputError, campaignsOf, createCampaign, listCampaigns, newCampaignSchema } from '$lib/server/access-reviews.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { isTemporalUnavailable } from '$lib/server/temporal.ts';
import type { Actions, PageServerLoad } from './$types';

/** Admins see every campaign and start new ones; anyone else sees the campaigns that review their own access. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const isAdmin = user.roles.includes('admin');
	return { isAdmin, campaigns: isAdmin ? await listCampaigns() : await campaignsOf(user.id) };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const form = await request.formData();
		const values = { name: String(form.get('name') ?? ''), deadline: String(form.get('deadline') ?? ''), graceHours: String(form.get('graceHours') ?? ''), staleDays: String(form.get('staleDays') ?? '') };
		// The browser sends a local date-time without an offset; the page says it is UTC.
		const deadline = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(values.deadline) ? `${values.deadline}:00Z` : values.deadline;
		const parsed = newCampaignSchema.safeParse({ name: values.name, deadline, graceHours: Number(values.graceHours || 72), staleDays: Number(values.staleDays || 90) });
		if (!parsed.success) return fail(400, { values, errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) });
		let id: string;
		try {
			({ id } = await createCampaign(parsed.data, admin));
		} catch (error) {
			if (error instanceof CampaignInputError) return fail(422, { values, errors: { [error.path]: error.message } });
			if (isTemporalUnavailable(error)) return fail(503, { values, errors: { name: 'Temporal cannot be reached; try again in a moment' } });
			throw error;
		}
		throw redirect(303, `/access-reviews/${id}`);
	}
} satisfies Actions;
