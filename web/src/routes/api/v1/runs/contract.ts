import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { RUN_STATUS_FILTERS } from '$runbooks/run-model.ts';
import { isTimeZone, TIME_ZONES } from '$runbooks/window-schema.ts';

const DAY = 'must be a date written YYYY-MM-DD';

export const GET = operation({
	summary: 'Runs newest first, filtered as the runs page filters, a page at a time',
	description: 'Keyset paging: pass `before=<older>` or `after=<newer>` from the previous answer.',
	access: RUNBOOK_READERS,
	query: z.object({
		runbook: z.string().max(200).optional(),
		status: z
			.enum(RUN_STATUS_FILTERS, { error: `must be one of ${RUN_STATUS_FILTERS.join(', ')}` })
			.optional()
			.meta({ description: 'One status, or `unsuccessful` for failed, rolled_back, rollback_incomplete and cancelled together.' }),
		initiator: z.string().max(200).optional(),
		target: z.string().max(200).optional(),
		from: z.iso.date({ error: DAY }).optional().meta({ description: 'First day (YYYY-MM-DD, in `tz`), inclusive.' }),
		to: z.iso.date({ error: DAY }).optional().meta({ description: 'Last day (YYYY-MM-DD, in `tz`), inclusive.' }),
		tz: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional().meta({ enum: [...TIME_ZONES], description: 'The time zone of `from` and `to` (UTC unless given).' }),
		before: uuid('must be a run id').optional(),
		after: uuid('must be a run id').optional(),
		limit: z.coerce.number().int().min(1).max(200).optional().catch(undefined).meta({ description: 'Page size, 50 unless given; out of range means the nearest bound.' })
	}),
	checkedBeyondSchema: '`before` and `after` exclude each other.',
	responses: {
		200: {
			description: 'A page of runs, with the cursors of the pages beside it',
			schema: z.looseObject({ runs: z.array(z.looseObject({ id: z.string(), runbook: z.string(), status: z.string() })), older: z.string().nullable(), newer: z.string().nullable() })
		}
	}
});
