import { decideReviewItem, ReviewRefusedError } from '$shared/access-reviews.ts';
import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { itemView } from '$lib/server/access-reviews.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ params, body, caller, json, problem }) => {
	try {
		const item = await decideReviewItem(getDb(), { campaignId: params.id, itemId: params.itemId, decision: body.decision, comment: body.comment, actor: caller });
		return json(200, itemView(item, caller.id));
	} catch (error) {
		if (error instanceof ReviewRefusedError) return problem(error.status, `${error.message}.`, [{ path: error.path, message: error.message }]);
		throw error;
	}
});
