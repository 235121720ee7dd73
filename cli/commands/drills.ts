import { ApiError, UnreachableError, type Api } from '../api.ts';
import { UsageError, type Output } from '../output.ts';

/** What `tend drill` reads of GET /api/v1/drill-runs/{id}. */
interface DrillRunJson {
	id: string;
	drill: string;
	status: string;
	recoveryRunId: string | null;
	finding: string | null;
	scores: { ackMs: number | null; rtoMs: number | null; rpoMs: number | null; rowsLost: Record<string, number>; ackMet: boolean | null; rtoMet: boolean | null; rpoMet: boolean | null } | null;
	timeline: Array<{ at: string; kind: string; details: Record<string, unknown> }>;
}

const FINISHED = new Set(['passed', 'failed', 'aborted']);
const MAX_FAILED_POLLS = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const clock = (iso: string) => new Date(iso).toTimeString().slice(0, 8);
const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const met = (ok: boolean | null) => (ok === null ? '' : ok ? ' (met)' : ' (missed)');

/** `tend drill watch <id>`: prints each timeline entry once; 0 when the drill passed, 1 otherwise. */
export async function watchDrill(api: Api, id: string, out: Output, intervalMs = 1000): Promise<number> {
	let printed = 0;
	let failedPolls = 0;
	for (;;) {
		let run: DrillRunJson;
		try {
			run = await api.json<DrillRunJson>('GET', `/drill-runs/${encodeURIComponent(id)}`);
			failedPolls = 0;
		} catch (error) {
			const transient = error instanceof UnreachableError || (error instanceof ApiError && error.problem.status >= 500);
			if (!transient || ++failedPolls >= MAX_FAILED_POLLS) throw error;
			await sleep(intervalMs);
			continue;
		}
		for (const event of run.timeline.slice(printed)) {
			const details = Object.entries(event.details)
				.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
				.join(' ');
			const hint = event.kind === 'drill.paged' ? `  → tend drill ack ${run.id}` : '';
			out.line(`${clock(event.at)}  ${event.kind}  ${details}${hint}`);
		}
		printed = run.timeline.length;
		if (FINISHED.has(run.status) && run.timeline.some((e) => e.kind === 'drill.scratch_dropped' || e.kind === `drill.${run.status}`)) {
			if (run.scores) {
				const lost = Object.entries(run.scores.rowsLost).map(([t, n]) => `${t} ${n}`);
				out.line(`acknowledged in ${seconds(run.scores.ackMs)}${met(run.scores.ackMet)}, recovered in ${seconds(run.scores.rtoMs)}${met(run.scores.rtoMet)}, rows lost: ${lost.length ? lost.join(', ') : 'none'}`);
			}
			out.line(`drill ${run.id} ${run.status}${run.finding ? `: ${run.finding}` : ''}`);
			return run.status === 'passed' ? 0 : 1;
		}
		await sleep(intervalMs);
	}
}

/** `tend drill run|ack|abort|watch`. */
export async function drill(api: Api, action: string | undefined, args: string[], options: { watch: boolean; reason?: string }, out: Output): Promise<number> {
	const one = (usage: string) => {
		if (args.length !== 1) throw new UsageError(`usage: tend drill ${usage}`);
		return encodeURIComponent(args[0]);
	};
	switch (action) {
		case 'run': {
			const name = one('run <drill> [--watch]');
			const started = await api.json<{ id: string }>('POST', `/drills/${name}/runs`, {});
			out.line(`started drill run ${started.id}`);
			return options.watch ? watchDrill(api, started.id, out) : 0;
		}
		case 'ack': {
			const id = one('ack <drillRunId>');
			const ack = await api.json<{ acknowledgedAt: string }>('POST', `/drill-runs/${id}/ack`, {});
			out.line(`acknowledged at ${clock(ack.acknowledgedAt)}: the clock keeps running until the data is verified`);
			return 0;
		}
		case 'abort': {
			const id = one('abort <drillRunId> --reason TEXT');
			if (!options.reason) throw new UsageError('usage: tend drill abort <drillRunId> --reason TEXT');
			await api.json('POST', `/drill-runs/${id}/abort`, { reason: options.reason });
			out.line('aborting: the scratch copy is torn down');
			return 0;
		}
		case 'watch':
			return watchDrill(api, decodeURIComponent(one('watch <drillRunId>')), out);
		default:
			throw new UsageError('usage: tend drill run <drill> [--watch] | ack <id> | abort <id> --reason TEXT | watch <id>');
	}
}
