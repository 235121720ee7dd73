import { invalidate } from '$app/navigation';
import type { RunEventView, RunView } from '$lib/run-types.ts';

const POLL_MS = 1000;

/**
 * A run page's live state: the server pushes the run view and new log entries (SSE, fed by one
 * LISTEN per web process); if the stream cannot be had, the page polls the JSON and reloads its
 * data instead. Start it in an effect; the function it returns stops it.
 */
export class LiveRun {
	view = $state.raw<RunView | null>(null);
	/** Log entries pushed since the page's data was loaded, by id. */
	events = $state.raw<RunEventView[]>([]);
	problem = $state<string | null>(null);
	polling = $state(false);

	constructor(private readonly messages: { signedOut: () => string; answered: (status: number) => string }) {}

	/** The log: what the page loaded, then what was pushed since. */
	merged(loaded: RunEventView[]): RunEventView[] {
		const last = loaded.length ? loaded[loaded.length - 1].id : 0;
		return [...loaded, ...this.events.filter((e) => e.id > last)];
	}

	follow(id: string, lastEventId: number): () => void {
		let stopped = false;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let source: EventSource | undefined;

		const poll = async () => {
			// A hidden tab need not keep the server busy; it catches up as soon as it is shown again.
			if (!document.hidden) {
				try {
					const response = await fetch(`/api/v1/runs/${id}`, { headers: { accept: 'application/json' } });
					if (!response.ok) throw new Error(response.status === 401 ? this.messages.signedOut() : this.messages.answered(response.status));
					const next = (await response.json()) as RunView;
					if (stopped) return;
					this.view = next;
					this.problem = null;
					await invalidate('tend:run');
				} catch (err) {
					if (stopped) return;
					this.problem = err instanceof Error ? err.message : String(err);
				}
			}
			if (!stopped) timer = setTimeout(poll, POLL_MS);
		};

		const fallBackToPolling = () => {
			source?.close();
			source = undefined;
			this.polling = true;
			timer = setTimeout(poll, POLL_MS);
		};

		if (typeof EventSource === 'undefined') fallBackToPolling();
		else {
			let failures = 0;
			source = new EventSource(`/api/v1/runs/${id}/events?after=${lastEventId}`);
			source.addEventListener('run', (event) => {
				failures = 0;
				this.problem = null;
				this.view = JSON.parse((event as MessageEvent<string>).data) as RunView;
			});
			source.addEventListener('events', (event) => {
				const fresh = JSON.parse((event as MessageEvent<string>).data) as RunEventView[];
				const last = this.events.at(-1)?.id ?? 0;
				this.events = [...this.events, ...fresh.filter((e) => e.id > last)];
			});
			// The run has settled and the last view has arrived: without closing, the browser would reconnect.
			source.addEventListener('end', () => source?.close());
			source.addEventListener('error', () => {
				failures += 1;
				if (source?.readyState === EventSource.CLOSED || failures >= 3) fallBackToPolling();
			});
		}
		return () => {
			stopped = true;
			clearTimeout(timer);
			source?.close();
		};
	}
}
