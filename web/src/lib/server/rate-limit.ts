/**
 * Counts failures per key in a sliding window, in memory. Good enough for one web process; a
 * horizontally scaled deployment would move this into PostgreSQL.
 */
export class FailureLimiter {
	readonly #failures = new Map<string, number[]>();
	readonly #max: number;
	readonly #windowMs: number;
	readonly #maxKeys: number;

	constructor(options: { max: number; windowMs: number; maxKeys?: number }) {
		this.#max = options.max;
		this.#windowMs = options.windowMs;
		this.#maxKeys = options.maxKeys ?? 10_000;
	}

	/** Seconds until the key may try again, or 0 when it may try now. */
	retryAfterSeconds(key: string, now = Date.now()): number {
		const recent = this.#recent(key, now);
		if (recent.length < this.#max) return 0;
		return Math.max(1, Math.ceil((recent[recent.length - this.#max] + this.#windowMs - now) / 1000));
	}

	fail(key: string, now = Date.now()): void {
		const recent = this.#recent(key, now);
		recent.push(now);
		this.#failures.delete(key);
		this.#failures.set(key, recent);
		// A flood of distinct keys must not grow memory without bound: forget the least recently failed.
		while (this.#failures.size > this.#maxKeys) {
			const oldest = this.#failures.keys().next().value;
			if (oldest === undefined) break;
			this.#failures.delete(oldest);
		}
	}

	reset(key: string): void {
		this.#failures.delete(key);
	}

	#recent(key: string, now: number): number[] {
		const since = now - this.#windowMs;
		const recent = (this.#failures.get(key) ?? []).filter((at) => at > since);
		if (recent.length) this.#failures.set(key, recent);
		else this.#failures.delete(key);
		return recent;
	}
}
