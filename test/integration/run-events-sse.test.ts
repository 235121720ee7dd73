import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousClient, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

interface RunJson {
	id: string;
	status: string;
	steps: Array<{ id: string; status: string }>;
}

interface StreamEvent {
	event: string;
	data: string;
}

/** Reads a text/event-stream to its end (or until `stopAfter` says so) and returns its events in order. */
async function readEvents(response: Response, stopAfter: (events: StreamEvent[]) => boolean = () => false): Promise<{ events: StreamEvent[]; closedByServer: boolean }> {
	const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
	const events: StreamEvent[] = [];
	let buffer = '';
	for (;;) {
		const { value, done } = await reader.read();
		if (done) return { events, closedByServer: true };
		buffer += value;
		let end: number;
		while ((end = buffer.indexOf('\n\n')) >= 0) {
			const block = buffer.slice(0, end);
			buffer = buffer.slice(end + 2);
			const lines = block.split('\n').filter((line) => !line.startsWith(':'));
			const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
			if (event) events.push({ event, data: lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n') });
		}
		if (stopAfter(events)) {
			await reader.cancel();
			return { events, closedByServer: false };
		}
	}
}

describe('the run event stream (GET /api/v1/runs/{id}/events)', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	const name = `sse-${randomUUID().slice(0, 8)}`;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const published = await admin.json('POST', '/api/v1/runbooks', {
			apiVersion: 'tend/v1',
			kind: 'Runbook',
			metadata: { name, title: name },
			spec: { steps: [{ id: 'first', uses: 'wait', with: { duration: '2s' } }, { id: 'second', uses: 'wait', with: { duration: '1s' } }] }
		});
		expect([200, 201]).toContain(published.status);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('pushes the run as it moves on, and ends by itself once the run has finished', async () => {
		const { body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		const response = await admin.request('GET', `/api/v1/runs/${body.id}/events`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);

		const { events, closedByServer } = await readEvents(response);
		expect(closedByServer).toBe(true);
		expect(events.at(-1)?.event).toBe('end');
		const views = events.filter((e) => e.event === 'run').map((e) => JSON.parse(e.data) as RunJson);
		// Every view differs from the one before it: the stream sends changes, not ticks.
		expect(new Set(views.map((v) => JSON.stringify(v))).size).toBe(views.length);
		expect(views.length).toBeGreaterThan(1);
		// Seen on the way, not only at the end: the first wait over while the second still waits.
		expect(views.some((v) => v.steps[0].status === 'succeeded' && v.steps[1].status !== 'succeeded')).toBe(true);
		const last = views.at(-1)!;
		expect(last.status).toBe('succeeded');
		expect(last.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
		// The final view is the JSON API's view (its shape is the contract).
		expect(last).toEqual((await admin.json<RunJson>('GET', `/api/v1/runs/${body.id}`)).body);
	});

	it('sends a finished run once and ends at once', async () => {
		const { body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		await runEnded(admin, body.id);
		const { events, closedByServer } = await readEvents(await admin.request('GET', `/api/v1/runs/${body.id}/events`));
		expect(closedByServer).toBe(true);
		expect(events.map((e) => e.event)).toEqual(['events', 'run', 'end']);
		// A client that has the log up to some event gets only what came after it.
		const log = JSON.parse(events[0].data) as Array<{ id: number; kind: string }>;
		expect(log.map((e) => e.kind)).toEqual(expect.arrayContaining(['run.started', 'step.succeeded', 'run.finished']));
		const resumed = await readEvents(await admin.request('GET', `/api/v1/runs/${body.id}/events?after=${log.at(-2)!.id}`));
		expect(resumed.events.map((e) => e.event)).toEqual(['events', 'run', 'end']);
		expect((JSON.parse(resumed.events[0].data) as Array<{ id: number }>).map((e) => e.id)).toEqual([log.at(-1)!.id]);
	});

	it('lets the client leave early, and the server keeps answering', async () => {
		const { body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		const { events, closedByServer } = await readEvents(await admin.request('GET', `/api/v1/runs/${body.id}/events`), (seen) => seen.some((e) => e.event === 'run'));
		expect(closedByServer).toBe(false);
		expect(events.map((e) => e.event)).toContain('run');
		expect((await runEnded<RunJson>(admin, body.id)).status).toBe('succeeded');
	});

	it('is for signed-in readers of runs only, and knows no unknown run', async () => {
		expect((await anonymousClient().request('GET', `/api/v1/runs/${randomUUID()}/events`)).status).toBe(401);
		const unknown = await admin.request('GET', `/api/v1/runs/${randomUUID()}/events`);
		expect(unknown.status).toBe(404);
		expect(unknown.headers.get('content-type')).toBe('application/problem+json');
		expect((await admin.request('GET', '/api/v1/runs/not-a-run/events')).status).toBe(404);
	});
});
