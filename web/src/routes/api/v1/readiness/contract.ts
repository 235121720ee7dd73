import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';

export const GET = operation({
	summary: 'Readiness: per drill (scenario × target), the last result decayed with a half-life of 90 days',
	access: RUNBOOK_READERS,
	responses: {
		200: {
			description: 'Scoreboard',
			schema: z.looseObject({
				halfLifeDays: z.int(),
				scenarios: z.array(
					z.looseObject({ drill: z.string(), title: z.string(), target: z.string(), fault: z.string(), score: z.int(), lastRunAt: z.string().nullable(), lastStatus: z.string().nullable(), rtoTrend: z.array(z.number()), openRuns: z.int() })
				)
			})
		}
	}
});
