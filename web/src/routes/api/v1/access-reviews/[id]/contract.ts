import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { campaignSchema } from '../contract.ts';

const isoTime = z.string().meta({ format: 'date-time' });
export const reviewItemSchema = z
	.looseObject({
		id: z.string(),
		username: z.string(),
		role: z.string(),
		lastLoginAt: isoTime.nullable(),
		stale: z.boolean(),
		state: z.enum(['pending', 'certified', 'revoked', 'suspended', 'appealed']),
		decidedBy: z.string().nullable(),
		decidedAt: isoTime.nullable(),
		comment: z.string().nullable(),
		appealedAt: isoTime.nullable(),
		own: z.boolean()
	})
	.meta({ id: 'AccessReviewItem' });

export const GET = operation({
	summary: 'A campaign and its items: every item for an admin, one’s own for anyone else (to appeal)',
	access: 'signed-in',
	params: z.object({ id: uuid('must be a campaign id') }),
	responses: { 200: { description: 'The campaign', schema: z.looseObject({ campaign: campaignSchema, items: z.array(reviewItemSchema) }) }, 404: 'No such campaign, or none with items of the caller’s.' }
});
