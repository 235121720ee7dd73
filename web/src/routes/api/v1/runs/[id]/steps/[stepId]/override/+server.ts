import { overrideFreeze } from '$lib/server/run-controls.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import * as contract from './contract.ts';

/** Lets a step held by a change freeze run. Only an approver other than the initiator counts (checked in the workflow). */
export const POST = stepUpdateRoute(contract.POST, (runId, stepId, body, actor) => overrideFreeze(runId, stepId, body.reason, actor), 'The freeze still holds');
