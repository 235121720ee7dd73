import { z } from 'zod';
import { decide } from '$lib/server/approvals.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	decision: z.enum(['approve', 'reject']),
	comment: z.string().trim().max(2000).optional()
});

/** Approve or reject a waiting step; eligibility, four eyes and quorum are the workflow's to decide. */
export const POST: RequestHandler = stepUpdateRoute(bodySchema, (runId, stepId, body, actor) => decide(runId, stepId, body.decision, body.comment || undefined, actor), 'Your decision did not count');
