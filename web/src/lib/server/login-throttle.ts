import { isIPv6 } from 'node:net';

/**
 * Slowing down password guessing without letting anyone lock a real user out (issue 12, hole 8).
 *
 * Each key has a token bucket of failures: a burst of `capacity` wrong attempts is free, and the
 * bucket refills at `refillPerMinute`. A failure with the bucket empty blocks the key for a delay
 * that doubles with each such failure (1 s, 2 s, 4 s, … up to `maxDelayMs`), and a blocked key is
 * refused without its password being checked. A full bucket forgets the doubling.
 *
 * Three kinds of key, checked separately (OWASP, "Slow Down Online Guessing Attacks with Device
 * Cookies"):
 * - the source address (an IPv6 address by its /64), so spraying many usernames from one place slows down;
 * - the username, so guessing one person's password from many places slows down;
 * - a device cookie, given to a browser or client when it signs in as that user. A request that
 *   carries a valid one for the username is counted against that device alone, not against the
 *   username or the address: whatever strangers try elsewhere, the user's own device gets in.
 *
 * In memory, per web process: a restart forgets the counts, and N web processes allow N times the
 * attempts. That is the trade for no write per attempt; the limits below leave room for it.
 */

export interface BucketPolicy {
	capacity: number;
	refillPerMinute: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

interface BucketState {
	tokens: number;
	updatedAt: number;
	strikes: number;
	blockedUntil: number;
}

/** A keyed set of failure buckets; pure apart from the clock it is handed. */
export class BackoffBuckets {
	readonly #states = new Map<string, BucketState>();
	readonly #policy: BucketPolicy;
	readonly #maxKeys: number;

	constructor(policy: BucketPolicy, maxKeys = 50_000) {
		this.#policy = policy;
		this.#maxKeys = maxKeys;
	}

	/** Milliseconds until `key` may try again; 0 when it may try now. */
	waitMs(key: string, now: number): number {
		const state = this.#refilled(key, now);
		return state ? Math.max(0, state.blockedUntil - now) : 0;
	}

	fail(key: string, now: number): void {
		const state = this.#refilled(key, now) ?? { tokens: this.#policy.capacity, updatedAt: now, strikes: 0, blockedUntil: 0 };
		if (state.tokens >= 1) {
			state.tokens -= 1;
		} else {
			state.strikes += 1;
			state.blockedUntil = now + Math.min(this.#policy.maxDelayMs, this.#policy.baseDelayMs * 2 ** (state.strikes - 1));
		}
		// Re-inserted, so the map's order is least recently failed first.
		this.#states.delete(key);
		this.#states.set(key, state);
		while (this.#states.size > this.#maxKeys) {
			const oldest = this.#states.keys().next().value;
			if (oldest === undefined) break;
			this.#states.delete(oldest);
		}
	}

	reset(key: string): void {
		this.#states.delete(key);
	}

	#refilled(key: string, now: number): BucketState | undefined {
		const state = this.#states.get(key);
		if (!state) return undefined;
		const { capacity, refillPerMinute } = this.#policy;
		state.tokens = Math.min(capacity, state.tokens + ((now - state.updatedAt) / 60_000) * refillPerMinute);
		state.updatedAt = now;
		if (state.tokens >= capacity && now >= state.blockedUntil) {
			this.#states.delete(key);
			return undefined;
		}
		return state;
	}
}

/** The policies in force; docs/decisions.md says why these numbers. */
export const THROTTLE_POLICIES = {
	source: { capacity: 20, refillPerMinute: 4, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 },
	user: { capacity: 5, refillPerMinute: 1, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 },
	device: { capacity: 10, refillPerMinute: 1, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 }
} satisfies Record<string, BucketPolicy>;

/** A source address as a key: IPv4 as is, IPv6 by its /64 (one host commonly holds a whole /64). */
export function sourceKey(address: string): string {
	const bare = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
	if (!isIPv6(bare)) return bare;
	const [head, tail = ''] = bare.split('::');
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const groups = bare.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
	return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export interface ThrottleSubject {
	username: string;
	clientAddress: string;
	/** The id of a valid device cookie for this username, if the request carries one. */
	device?: string;
}

/** The three kinds of bucket together, as sign-in uses them. */
export class LoginThrottle {
	readonly #source = new BackoffBuckets(THROTTLE_POLICIES.source);
	readonly #user = new BackoffBuckets(THROTTLE_POLICIES.user);
	readonly #device = new BackoffBuckets(THROTTLE_POLICIES.device);

	/** Seconds to wait before this attempt may be checked at all; 0 when it may. */
	retryAfterSeconds(subject: ThrottleSubject, now = Date.now()): number {
		const waits = subject.device
			? [this.#device.waitMs(subject.device, now)]
			: [this.#source.waitMs(sourceKey(subject.clientAddress), now), this.#user.waitMs(subject.username, now)];
		const wait = Math.max(...waits);
		return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0;
	}

	fail(subject: ThrottleSubject, now = Date.now()): void {
		if (subject.device) {
			this.#device.fail(subject.device, now);
			return;
		}
		this.#source.fail(sourceKey(subject.clientAddress), now);
		this.#user.fail(subject.username, now);
	}

	/**
	 * A success clears the counts it was judged by: the device's, or else the username's. Never the
	 * source's (one good account would shield a spray), and a device's success leaves the username's
	 * count alone (or the owner signing in would hand a guesser elsewhere fresh attempts).
	 */
	succeed(subject: ThrottleSubject): void {
		if (subject.device) this.#device.reset(subject.device);
		else this.#user.reset(subject.username);
	}
}
