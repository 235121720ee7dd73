import { CampaignInputError, createCampaign, listCampaigns } from '$lib/server/access-reviews.ts';
import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { campaigns: await listCampaigns() }));

export const POST = route(contract.POST, async ({ body, caller, json, problem }) => {
	try {
		const { id } = await createCampaign(body, caller);
		return json(201, { id }, { location: `/api/v1/access-reviews/${id}` });
	} catch (error) {
		if (error instanceof CampaignInputError) return problem(422, `${error.path}: ${error.message}`, [{ path: error.path, message: error.message }]);
		throw error;
	}
});
