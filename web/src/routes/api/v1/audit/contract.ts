import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { auditEntrySchema } from '$lib/server/contract/schemas.ts';

// PostgreSQL refuses a NUL byte in text (22021); route() refuses it in every parameter before this.
const name = z.string().trim().min(1).max(500);
const instant = z
	.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (YYYY-MM-DD, UTC) or a date-time with its offset, such as 2026-05-01T08:00:00Z' })
	.meta({ description: 'YYYY-MM-DD (the whole UTC day) or an RFC 3339 date-time' });

export const GET = operation({
	summary: 'The audit log, newest first (admin); exact filters, a time range and keyset paging',
	description: 'Keyset paging: pass `before=<older>` from the previous answer.',
	access: ['admin'],
	// Strict: a parameter that is not a filter is named as such rather than ignored.
	query: z.strictObject({
		actor: name.optional(),
		action: name.optional(),
		subject: name.optional(),
		from: instant.optional(),
		to: instant.optional(),
		before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'The `older` cursor of the previous page.' }),
		limit: z.coerce.number().int().min(1).max(200).default(50)
	}),
	responses: { 200: { description: 'A page of entries', schema: z.looseObject({ entries: z.array(auditEntrySchema), older: z.int().nullable() }) } }
});
