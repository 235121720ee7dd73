import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { notificationSchema } from '$lib/server/contract/schemas.ts';

export const GET = operation({
	summary: 'The caller’s in-app notifications, newest first, and how many are unread',
	access: 'signed-in',
	query: z.object({
		unread: z.enum(['true', 'false']).optional(),
		limit: z.coerce.number().int().min(1).max(200).default(50)
	}),
	responses: { 200: { description: 'Notifications', schema: z.looseObject({ unread: z.int(), notifications: z.array(notificationSchema) }) } }
});
