import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { isRunSettled, type RunView } from '$lib/run-types.ts';
import { getRunView, ledgerMark } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

/** How often the ledger is looked at; an open run's live state is read as often. */
const POLL_MS = 1000;
/** A comment now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

/**
 * The run view as a server-sent event stream: `run` whenever it changes, then `end` once the run
 * has finished and nothing in it waits for a person any more; the client closes then, and would
 * otherwise reconnect. A finished run costs one small ledger read a second (its latest event id
 * and status); an open one is read in full, the workflow's live state included, since holds and
 * decisions change it without a ledger row.
 */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const first = await getRunView(params.id);
	if (!first) return problem(404, 'Not Found', `No run "${params.id}".`);
	const runId = first.id;
	const encoder = new TextEncoder();
	let stop = () => {};

	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			let timer: ReturnType<typeof setTimeout> | undefined;
			let lastSent = '';
			let lastMark = '';
			const send = (text: string) => {
				if (!closed) controller.enqueue(encoder.encode(text));
			};
			const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
			stop = () => {
				if (closed) return;
				closed = true;
				clearTimeout(timer);
				clearInterval(heartbeat);
				request.signal.removeEventListener('abort', stop);
				try {
					controller.close();
				} catch {
					// Already closed by the other side.
				}
			};
			request.signal.addEventListener('abort', stop);

			/** Sends the view if it differs from the last one sent; true once the client has the final state. */
			const push = (view: RunView): boolean => {
				const json = JSON.stringify(view);
				if (json !== lastSent) {
					lastSent = json;
					send(`event: run\ndata: ${json}\n\n`);
				}
				return isRunSettled(view);
			};

			let settled = false;
			const tick = async () => {
				try {
					const mark = await ledgerMark(runId);
					if (closed) return;
					if (!mark) {
						send('event: end\ndata: {}\n\n');
						return stop();
					}
					const key = `${mark.status}:${mark.lastEventId ?? ''}:${mark.finishedAt ?? ''}`;
					if (!settled || key !== lastMark) {
						lastMark = key;
						const view = await getRunView(runId);
						if (closed) return;
						if (view) settled = push(view);
					}
					if (settled) {
						send('event: end\ndata: {}\n\n');
						return stop();
					}
				} catch (error) {
					// A database hiccup ends this stream; the client reconnects or falls back to polling.
					console.error(`[tend web] run event stream for ${runId} failed:`, error);
					send('event: problem\ndata: {"message":"the run could not be read"}\n\n');
					return stop();
				}
				if (!closed) timer = setTimeout(tick, POLL_MS);
			};

			send(`retry: ${POLL_MS}\n\n`);
			settled = push(first);
			lastMark = '';
			if (settled) {
				send('event: end\ndata: {}\n\n');
				stop();
			} else {
				timer = setTimeout(tick, POLL_MS);
			}
		},
		cancel() {
			stop();
		}
	});

	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' }
	});
};
