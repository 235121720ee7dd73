import { isRunSettled } from '$lib/run-types.ts';
import { route } from '$lib/server/contract/route.ts';
import { runFeed, type RunSnapshot } from '$lib/server/run-feed.ts';
import { getRunView, listRunEvents } from '$lib/server/views/runs.ts';
import * as contract from './contract.ts';

/** A comment now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** How long a client waits before it reconnects after the stream drops. */
const RETRY_MS = 1000;

/**
 * The run as a server-sent event stream: `run` (the view) whenever it changes, `events` with the
 * log entries the client has not seen (`?after=<event id>` on connect), then `end` once the run has
 * finished and nothing in it waits for a person any more; the client closes then, and would
 * otherwise reconnect. Changes are pushed by the run feed (one LISTEN per web process, one read
 * per change for all viewers), never polled.
 */
export const GET = route(contract.GET, async ({ params, query, event, send: reply, problem }) => {
	const { request } = event;
	const view = await getRunView(params.id);
	if (!view) return problem(404, `No run "${params.id}".`);
	const after = query.after ?? Number(request.headers.get('last-event-id') ?? 0);
	const first: RunSnapshot = { view, events: await listRunEvents(view.id) };
	let lastEventId = Number.isSafeInteger(after) && after > 0 ? after : 0;
	const encoder = new TextEncoder();
	let stop = () => {};

	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			let lastSent = '';
			const send = (text: string) => {
				if (!closed) controller.enqueue(encoder.encode(text));
			};
			const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
			let unwatch = () => {};
			stop = () => {
				if (closed) return;
				closed = true;
				clearInterval(heartbeat);
				unwatch();
				request.signal.removeEventListener('abort', stop);
				try {
					controller.close();
				} catch {
					// Already closed by the other side.
				}
			};
			request.signal.addEventListener('abort', stop);

			/** Sends what the client lacks: the view if it changed, the events after the last one sent; ends once the client has the final state. */
			const push = (snapshot: RunSnapshot) => {
				if (!snapshot) {
					send('event: end\ndata: {}\n\n');
					return stop();
				}
				const { view, events } = snapshot;
				// Log entries first: a page that sees the run settle stops listening, and must have the log by then.
				const unseen = events.filter((e) => e.id > lastEventId);
				if (unseen.length) {
					lastEventId = unseen[unseen.length - 1].id;
					send(`id: ${lastEventId}\nevent: events\ndata: ${JSON.stringify(unseen)}\n\n`);
				}
				const json = JSON.stringify(view);
				if (json !== lastSent) {
					lastSent = json;
					send(`event: run\ndata: ${json}\n\n`);
				}
				if (isRunSettled(view)) {
					send('event: end\ndata: {}\n\n');
					stop();
				}
			};

			send(`retry: ${RETRY_MS}\n\n`);
			push(first);
			if (!closed) unwatch = runFeed().watch(view.id, push);
		},
		cancel() {
			stop();
		}
	});

	return reply(200, stream, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
});
