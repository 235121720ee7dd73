import { decide } from '$lib/server/approvals.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import * as contract from './contract.ts';

/** Approve or reject a waiting step; eligibility, four eyes and quorum are the workflow's to decide. */
export const POST = stepUpdateRoute(contract.POST, (runId, stepId, body, actor) => decide(runId, stepId, body.decision, body.comment || undefined, actor), 'Your decision did not count');
