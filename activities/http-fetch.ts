import { ApplicationFailure } from '@temporalio/activity';
import { fetch } from 'undici';
import { addressRefusal, guardedAgent, type AddressPolicy } from '../shared/address-policy.ts';
import { nonRetryable } from './failures.ts';

/** The HTTP side of http.check, http.request and webhooks: one request, its redirects and a capped body. */
export interface HttpCall {
	/** The step type, for messages (`http.check: …`). */
	uses: string;
	url: string;
	method: string;
	headers: Record<string, string>;
	body?: string;
	timeoutMs: number;
	/** Hosts besides the URL's own that a redirect may lead to (`status.example.com` or `status.example.com:8443`). */
	allowRedirectTo: readonly string[];
	maxBodyBytes: number;
	/** Header names (lower case) not to carry to another host: credentials resolved from secrets, say. */
	sensitiveHeaders?: readonly string[];
	/** How the URL appears in messages; a webhook URL from a secret is itself a credential. */
	shownAs?: string;
	/** The activity's cancellation, so a cancelled run does not wait out the timeout. */
	signal?: AbortSignal;
	/** Which addresses this call may connect to: checked on every connection, redirects included. */
	policy: AddressPolicy;
}

export interface HttpAnswer {
	status: number;
	url: string;
	headers: { get(name: string): string | null };
	body: string;
	/** The body held more than `maxBodyBytes`; `body` is its beginning. */
	truncated: boolean;
	/** From the first request to the end of the (capped) body, redirects included. */
	latencyMs: number;
}

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Dropped on any redirect to another host, whatever the caller marks, as browsers do. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** A URL as messages show it: no query string or credentials, which may carry tokens. */
export function describeUrl(url: URL | string): string {
	const parsed = new URL(url);
	return `${parsed.origin}${parsed.pathname}`;
}

function redirectAllowed(from: URL, to: URL, allowed: readonly string[]): boolean {
	if (to.host === from.host) return true;
	return allowed.some((host) => {
		const wanted = host.toLowerCase();
		return wanted === to.host || wanted === to.hostname;
	});
}

/**
 * Sends one request and follows redirects by hand: within the URL's own host, or to a host the step
 * allows. A health URL that bounces to a login page elsewhere would otherwise pass a check, and a
 * request would carry its credentials to a host nobody named.
 */
export async function httpCall(call: HttpCall): Promise<HttpAnswer> {
	const first = new URL(call.url);
	const shown = call.shownAs ?? describeUrl(first);
	const timeout = AbortSignal.timeout(call.timeoutMs);
	const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
	const started = performance.now();
	let url = first;
	let method = call.method;
	let body = call.body;
	let headers = { ...call.headers };
	// One dispatcher per call: no pooled connection outlives the policy it was checked against.
	const dispatcher = guardedAgent(call.policy);
	try {
		for (let hop = 0; ; hop++) {
			const response = await fetch(url, { method, headers, body, redirect: 'manual', signal, dispatcher });
			const location = response.headers.get('location');
			if (!REDIRECTS.has(response.status) || !location) {
				const { text, truncated } = await readCapped(response, call.maxBodyBytes);
				return { status: response.status, url: url.href, headers: response.headers, body: text, truncated, latencyMs: Math.round(performance.now() - started) };
			}
			await response.body?.cancel();
			const next = new URL(location, url);
			if (next.protocol !== 'http:' && next.protocol !== 'https:') {
				throw nonRetryable('RedirectRefused', `${call.uses}: ${shown} redirected (${response.status}) to a ${next.protocol} URL, which is not HTTP`);
			}
			if (!redirectAllowed(first, next, call.allowRedirectTo)) {
				throw nonRetryable(
					'RedirectRefused',
					`${call.uses}: ${shown} redirected (${response.status}) to ${next.host}, another host; add "${next.hostname}" to allowRedirectTo if that is expected`
				);
			}
			if (hop + 1 >= MAX_REDIRECTS) throw nonRetryable('RedirectRefused', `${call.uses}: ${shown} redirected more than ${MAX_REDIRECTS} times`);
			// What browsers do: 303 (and 301/302 after a POST) turn into a GET without a body.
			if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
				method = method === 'HEAD' ? 'HEAD' : 'GET';
				body = undefined;
				headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !['content-type', 'content-length'].includes(name.toLowerCase())));
			}
			if (next.host !== url.host) {
				const drop = new Set([...CREDENTIAL_HEADERS, ...(call.sensitiveHeaders ?? [])]);
				headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !drop.has(name.toLowerCase())));
			}
			url = next;
		}
	} catch (error) {
		if (call.signal?.aborted) throw call.signal.reason ?? error;
		if (error instanceof ApplicationFailure) throw error;
		const refused = addressRefusal(error);
		// Not retried: the next attempt resolves to a refused address just the same, and a target's allowance is a publish away.
		if (refused) throw nonRetryable('AddressRefused', `${call.uses}: will not connect to ${shown}: ${refused.message}`);
		if (timeout.aborted) {
			throw ApplicationFailure.retryable(`${call.uses}: ${shown} gave no complete answer within ${call.timeoutMs} ms`, 'HttpTimeout');
		}
		const cause = error instanceof Error ? error : new Error(String(error));
		const code = (cause.cause as { code?: string } | undefined)?.code;
		throw ApplicationFailure.create({ type: 'HttpUnreachable', message: `${call.uses}: could not reach ${shown}: ${code ?? cause.message}`, cause });
	} finally {
		void dispatcher.destroy().catch(() => {});
	}
}

/** Reads at most `max` bytes and lets the rest go, so a huge or endless body cannot fill the worker's memory. */
async function readCapped(response: Awaited<ReturnType<typeof fetch>>, max: number): Promise<{ text: string; truncated: boolean }> {
	if (!response.body) return { text: '', truncated: false };
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	let truncated = false;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		const room = max - size;
		if (value.byteLength > room) {
			chunks.push(value.subarray(0, room));
			truncated = true;
			await reader.cancel();
			break;
		}
		chunks.push(value);
		size += value.byteLength;
	}
	return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}

/** The beginning of a body for a failure message, on one line. */
export function bodyExcerpt(body: string, length = 200): string {
	const flat = body.replace(/\s+/g, ' ').trim();
	return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}
