import { z } from 'zod';
import { tickChecklist } from '$lib/server/run-controls.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	items: z.array(z.number().int().min(0)).min(1, 'name at least one checklist item (its position, from 0)'),
	notes: z.string().trim().max(2000).optional()
});

/** Ticks off items of a manual step's checklist. Whether the caller is an assignee is decided in the workflow. */
export const POST: RequestHandler = stepUpdateRoute(bodySchema, (runId, stepId, body, actor) => tickChecklist(runId, stepId, body.items, body.notes || undefined, actor), 'Not ticked off');
