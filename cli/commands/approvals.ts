import type { Api } from '../api.ts';
import { localTime, table, type Output } from '../output.ts';

interface DecisionResult {
	stepId: string;
	verdict: 'pending' | 'approved' | 'rejected';
	approvals: number;
	quorum: number;
}
interface InboxItem {
	runId: string;
	stepId: string;
	runbook: string;
	version: number;
	message: string;
	quorum: number;
	decisions: unknown[];
	waitingSince: string;
}

/** `tend approve <runId> <stepId> [--reject] [--comment TEXT]`: the workflow answers at once whether the decision counted. */
export async function approve(api: Api, runId: string, stepId: string, options: { reject: boolean; comment?: string }, out: Output): Promise<number> {
	const decision = options.reject ? 'reject' : 'approve';
	const result = await api.json<DecisionResult>('POST', `/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/decision`, { decision, ...(options.comment ? { comment: options.comment } : {}) });
	const standing = result.verdict === 'pending' ? `waiting for more approvals (${result.approvals} of ${result.quorum})` : `${result.verdict} (${result.approvals} of ${result.quorum})`;
	out.line(`${options.reject ? 'rejected' : 'approved'} ${result.stepId}: ${standing}`);
	return 0;
}

/** `tend approvals`: what the caller may decide now, oldest first. */
export async function listApprovals(api: Api, out: Output): Promise<number> {
	const { approvals } = await api.json<{ approvals: InboxItem[] }>('GET', '/approvals');
	if (!approvals.length) {
		out.line('nothing waits for your decision');
		return 0;
	}
	const rows = approvals.map((a) => [a.runId, a.stepId, `${a.runbook} v${a.version}`, `${a.decisions.length}/${a.quorum}`, localTime(a.waitingSince), a.message]);
	for (const line of table(['RUN', 'STEP', 'RUNBOOK', 'VOTES', 'WAITING SINCE', 'QUESTION'], rows)) out.line(line);
	return 0;
}
