import { z } from 'zod';
import { overrideFreeze } from '$lib/server/run-controls.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({ reason: z.string().trim().min(1, 'say why the freeze may be broken').max(2000) });

/** Lets a step held by a change freeze run. Only an approver other than the initiator counts (checked in the workflow). */
export const POST: RequestHandler = stepUpdateRoute(bodySchema, (runId, stepId, body, actor) => overrideFreeze(runId, stepId, body.reason, actor), 'The freeze still holds');
