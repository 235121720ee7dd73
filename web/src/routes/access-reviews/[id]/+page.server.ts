import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { getCampaign } from '$lib/server/access-reviews.ts';
import { getDb } from '$lib/server/db.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { appealReviewItem, decideReviewItem, ReviewRefusedError } from '$shared/access-reviews.ts';
import type { Actions, PageServerLoad } from './$types';

const campaignId = z.uuid();

export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const id = campaignId.safeParse(params.id);
	const found = id.success ? await getCampaign(id.data, user) : null;
	if (!found) error(404, 'No such campaign, or none with access of yours in it.');
	return { ...found, isAdmin: user.roles.includes('admin'), me: user.username };
}) satisfies PageServerLoad;

const itemForm = z.object({ item: z.uuid(), comment: z.string().trim().max(2000).optional() });

async function decide(locals: App.Locals, request: Request, id: string, decision: 'certify' | 'revoke') {
	const admin = requireRole(locals, 'admin');
	const parsed = itemForm.safeParse(Object.fromEntries(await request.formData()));
	if (!parsed.success || !campaignId.safeParse(id).success) return fail(400, { item: null, message: 'That item is not one of this campaign.' });
	try {
		await decideReviewItem(getDb(), { campaignId: id, itemId: parsed.data.item, decision, comment: parsed.data.comment || undefined, actor: admin });
		return { item: parsed.data.item, done: decision };
	} catch (err) {
		if (err instanceof ReviewRefusedError) return fail(err.status, { item: parsed.data.item, message: `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.` });
		throw err;
	}
}

export const actions = {
	certify: async ({ locals, request, params }) => decide(locals, request, params.id, 'certify'),
	revoke: async ({ locals, request, params }) => decide(locals, request, params.id, 'revoke'),
	/** The owner of a suspended item asks for it back; the function checks it is theirs. */
	appeal: async ({ locals, request, params, url }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const parsed = z.object({ item: z.uuid(), reason: z.string().trim().min(1).max(2000) }).safeParse(Object.fromEntries(form));
		if (!parsed.success || !campaignId.safeParse(params.id).success) return fail(400, { item: String(form.get('item') ?? ''), message: 'Say why you still need this access.' });
		try {
			await appealReviewItem(getDb(), { campaignId: params.id, itemId: parsed.data.item, reason: parsed.data.reason, actor: user });
			return { item: parsed.data.item, done: 'appeal' };
		} catch (err) {
			if (err instanceof ReviewRefusedError) return fail(err.status === 403 ? 404 : err.status, { item: parsed.data.item, message: `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.` });
			throw err;
		}
	}
} satisfies Actions;
