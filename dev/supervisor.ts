import { exitReport, ServiceStartError, waitUntilReady, type ReadyCheck, type Service } from './service.ts';

/** How to run one service of the embedded stack: a fresh process per call, and when it is usable. */
export interface ServiceSpec {
	name: string;
	spawn(): Service;
	ready: ReadyCheck;
	readyTimeoutMs: number;
	stopGraceMs?: number;
}

export interface Supervised {
	name: string;
	/** The process running now; a restart replaces it. */
	readonly current: Service;
	/** Restarts that reached ready. */
	readonly restarts: number;
	stop(): Promise<void>;
}

/** Waits after each crash in a row; a service that stayed up for STABLE_MS starts over at the first delay. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];
const STABLE_MS = 60_000;

/** Spawns the service and waits until it is ready; one that dies or hangs is stopped and reported. */
export async function startReady(spec: ServiceSpec): Promise<Service> {
	const service = spec.spawn();
	try {
		await waitUntilReady(service, spec.ready, spec.readyTimeoutMs);
	} catch (error) {
		await service.stop(spec.stopGraceMs);
		throw error;
	}
	return service;
}

/**
 * Starts a service like startReady, then keeps it running: when it exits without being asked to,
 * the reason (exit code or signal, and its last log lines) is logged and a new process started
 * after a backoff, until stop().
 */
export async function supervise(spec: ServiceSpec, log: (line: string) => void): Promise<Supervised> {
	const supervisor = new Supervisor(spec, log, await startReady(spec));
	return supervisor;
}

class Supervisor implements Supervised {
	readonly name: string;
	current: Service;
	restarts = 0;
	private stopping = false;
	private timer: NodeJS.Timeout | undefined;
	private crashesInARow = 0;
	private readyAt = Date.now();
	private downSince: number | undefined;

	constructor(
		private readonly spec: ServiceSpec,
		private readonly log: (line: string) => void,
		first: Service
	) {
		this.name = spec.name;
		this.current = first;
		this.watch(first);
	}

	async stop(): Promise<void> {
		this.stopping = true;
		clearTimeout(this.timer);
		await this.current.stop(this.spec.stopGraceMs);
	}

	private watch(service: Service): void {
		void service.exited.then((status) => {
			if (this.stopping || service !== this.current) return;
			if (this.readyAt && Date.now() - this.readyAt >= STABLE_MS) this.crashesInARow = 0;
			const delay = BACKOFF_MS[Math.min(this.crashesInARow, BACKOFF_MS.length - 1)];
			this.crashesInARow++;
			this.downSince ??= Date.now();
			this.log(`${exitReport(service, status, 'exited')}\nrestarting ${this.name} in ${delay / 1000} s`);
			this.timer = setTimeout(() => void this.restart(), delay);
		});
	}

	private async restart(): Promise<void> {
		if (this.stopping) return;
		const service = this.spec.spawn();
		this.current = service;
		this.readyAt = 0;
		// An exit during start-up is a crash like any other: watch() reports it and schedules the next try.
		this.watch(service);
		try {
			await waitUntilReady(service, this.spec.ready, this.spec.readyTimeoutMs);
		} catch (error) {
			if (this.stopping || !(error instanceof ServiceStartError) || error.status) return;
			this.log(error.message);
			await service.stop(this.spec.stopGraceMs);
			return;
		}
		this.readyAt = Date.now();
		this.restarts++;
		const down = this.downSince === undefined ? '' : `, ${((this.readyAt - this.downSince) / 1000).toFixed(1)} s after it went down`;
		this.downSince = undefined;
		this.log(`${this.name} is back (pid ${service.child.pid}${down})`);
	}
}
