import pg from 'pg';
import { RUN_CHANNEL } from '$activities/run-channel.ts';
import { config } from '$shared/config.ts';
import type { RunEventView, RunView } from '../run-types.ts';
import { getRunView, listRunEvents } from './views/runs.ts';

/** What a change brings a watcher: the run as it now stands and its whole event log (null: the run is gone). */
export type RunSnapshot = { view: RunView; events: RunEventView[] } | null;
type Watcher = (snapshot: RunSnapshot) => void;

/** Reconnects of the LISTEN connection wait this long, doubling, up to the cap. */
const RECONNECT_MS = { initial: 500, max: 10_000 };

/**
 * Live run views for every open run page, from one PostgreSQL LISTEN connection per web process.
 * The ledger NOTIFYs a run's id in the transaction that changes its projection; the feed reads
 * that run's view and events once and hands them to everyone watching — one read per change, however many
 * people watch (never one per viewer per second). Reads of one run never overlap: a change that
 * arrives during a read is read once more right after.
 */
class RunFeed {
	private readonly watchers = new Map<string, Set<Watcher>>();
	private readonly reading = new Map<string, { again: boolean }>();
	private client: pg.Client | null = null;
	private connecting: Promise<void> | null = null;
	private retryMs = RECONNECT_MS.initial;
	/** Views read because of a change: what the live-console benchmark compares with the number of changes. */
	reads = 0;

	/**
	 * Calls `watcher` with the run's view after every change, starting with one read right away (a
	 * change between the caller's own first read and this call would otherwise go unseen); the
	 * returned function stops it.
	 */
	watch(runId: string, watcher: Watcher): () => void {
		let set = this.watchers.get(runId);
		if (!set) this.watchers.set(runId, (set = new Set()));
		set.add(watcher);
		void this.listen().then(() => this.changed(runId));
		return () => {
			set.delete(watcher);
			if (!set.size) this.watchers.delete(runId);
		};
	}

	private listen(): Promise<void> {
		if (this.client) return Promise.resolve();
		this.connecting ??= this.connect().finally(() => (this.connecting = null));
		return this.connecting;
	}

	private async connect(): Promise<void> {
		const client = new pg.Client({ connectionString: config().DATABASE_URL, application_name: 'tend-web-feed' });
		client.on('notification', (message) => {
			if (message.channel === RUN_CHANNEL && message.payload) this.changed(message.payload);
		});
		client.on('error', () => this.lost(client));
		client.on('end', () => this.lost(client));
		try {
			await client.connect();
			await client.query(`listen ${RUN_CHANNEL}`);
		} catch {
			await client.end().catch(() => {});
			this.scheduleReconnect();
			return;
		}
		this.client = client;
		this.retryMs = RECONNECT_MS.initial;
		// Changes made while no one listened were not heard: everyone watching gets a fresh view.
		for (const runId of this.watchers.keys()) this.changed(runId);
	}

	private lost(client: pg.Client): void {
		if (this.client !== client) return;
		this.client = null;
		void client.end().catch(() => {});
		this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		if (!this.watchers.size) return;
		const wait = this.retryMs;
		this.retryMs = Math.min(RECONNECT_MS.max, this.retryMs * 2);
		setTimeout(() => void this.listen(), wait).unref();
	}

	private changed(runId: string): void {
		if (!this.watchers.has(runId)) return;
		const inFlight = this.reading.get(runId);
		if (inFlight) {
			inFlight.again = true;
			return;
		}
		const state = { again: false };
		this.reading.set(runId, state);
		void (async () => {
			do {
				state.again = false;
				this.reads++;
				let snapshot: RunSnapshot;
				try {
					const [view, events] = await Promise.all([getRunView(runId), listRunEvents(runId)]);
					snapshot = view ? { view, events } : null;
				} catch {
					// Tend's database is away: the stream says nothing now, and the next change (or reconnect) reads again.
					continue;
				}
				for (const watcher of this.watchers.get(runId) ?? []) watcher(snapshot);
			} while (state.again);
			this.reading.delete(runId);
		})();
	}
}

let feed: RunFeed | undefined;

/** The web process's one feed, started on first use. */
export function runFeed(): RunFeed {
	feed ??= new RunFeed();
	return feed;
}
