import { ApiError, UnreachableError, type Api } from '../api.ts';
import { localTime, table, type Output } from '../output.ts';
import { FINISHED_RUN_STATUSES } from '../../runbooks/run-model.ts';
import type { RunView } from '../../web/src/lib/run-types.ts';

/** The API's run shape (GET /api/v1/runs/{id}); the list answers the same fields without steps. */
type RunJson = RunView;

const FINISHED = new Set<string>(FINISHED_RUN_STATUSES);
/** A watch outlives a web restart or a network blip of up to this many polls in a row. */
const MAX_FAILED_POLLS = 30;

const clock = () => new Date().toTimeString().slice(0, 8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `tend watch <runId>`: polls the run every `intervalMs`, prints each step's transitions once,
 * and answers 0 when the run succeeded, 1 when it ended any other way.
 */
export async function watch(api: Api, runId: string, out: Output, intervalMs = 1000): Promise<number> {
	const seen = new Map<string, string>();
	let runStatus = '';
	let failedPolls = 0;
	for (;;) {
		let run: RunJson;
		try {
			run = await api.json<RunJson>('GET', `/runs/${encodeURIComponent(runId)}`);
			failedPolls = 0;
		} catch (error) {
			const transient = error instanceof UnreachableError || (error instanceof ApiError && error.problem.status >= 500);
			if (!transient || ++failedPolls >= MAX_FAILED_POLLS) throw error;
			await sleep(intervalMs);
			continue;
		}
		if (run.status !== runStatus) {
			runStatus = run.status;
			if (!FINISHED.has(run.status)) out.line(`${clock()}  run ${run.runbook} v${run.version}  ${run.status}`);
		}
		for (const step of run.steps) {
			const key = `${step.status}:${step.attempts}`;
			if (seen.get(step.id) === key) continue;
			const first = !seen.has(step.id);
			seen.set(step.id, key);
			if (first && step.status === 'pending') continue;
			const attempt = step.attempts > 1 ? ` (attempt ${step.attempts})` : '';
			const why = step.error && ['failed', 'retrying'].includes(step.status) ? `: ${step.error}` : '';
			const hint = step.status === 'waiting' && (step.uses === 'approval' || step.id.endsWith('.approval')) ? `  → tend approve ${run.id} ${step.id}` : '';
			out.line(`${clock()}  step ${step.id}  ${step.status.replace('_', ' ')}${attempt}${why}${hint}`);
		}
		if (FINISHED.has(run.status)) {
			out.line(`${clock()}  run ${run.id} ${run.status.replace('_', ' ')}${run.error ? `: ${run.error}` : ''}`);
			return run.status === 'succeeded' ? 0 : 1;
		}
		await sleep(intervalMs);
	}
}

/** `tend run <runbook>`: starts a run of the latest (or `--version`) published version; `--watch` follows it. */
export async function run(api: Api, runbook: string, options: { inputs: Record<string, string>; version?: number; watch: boolean }, out: Output): Promise<number> {
	const started = await api.json<{ id: string }>('POST', `/runbooks/${encodeURIComponent(runbook)}/runs`, { inputs: options.inputs, ...(options.version ? { version: options.version } : {}) });
	out.line(`started run ${started.id}`);
	return options.watch ? watch(api, started.id, out) : 0;
}

/** `tend runs`: the newest runs. */
export async function listRuns(api: Api, limit: number, out: Output): Promise<number> {
	const { runs } = await api.json<{ runs: RunJson[] }>('GET', `/runs?limit=${limit}`);
	if (!runs.length) {
		out.line('no runs yet');
		return 0;
	}
	const rows = runs.map((r) => [r.id, `${r.runbook} v${r.version}`, r.status.replace('_', ' '), r.initiator, localTime(r.startedAt ?? r.createdAt)]);
	for (const line of table(['RUN', 'RUNBOOK', 'STATUS', 'INITIATOR', 'STARTED'], rows)) out.line(line);
	return 0;
}
