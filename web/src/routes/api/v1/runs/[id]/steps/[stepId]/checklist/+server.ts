import { tickChecklist } from '$lib/server/run-controls.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import * as contract from './contract.ts';

/** Ticks off items of a manual step's checklist. Whether the caller is an assignee is decided in the workflow. */
export const POST = stepUpdateRoute(contract.POST, (runId, stepId, body, actor) => tickChecklist(runId, stepId, body.items, body.notes || undefined, actor), 'Not ticked off');
