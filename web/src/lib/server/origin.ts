/**
 * Which Origin headers count as this site for state-changing requests that ride on the session
 * cookie (form posts and the JSON API alike).
 *
 * The embedded default is configured as `http://localhost:PORT`, but people type
 * `127.0.0.1:PORT` or `[::1]:PORT` just as often, and the browser then sends that spelling as the
 * Origin. When the configured origin is a loopback one, every loopback spelling with the same
 * scheme and port is the same server on the same machine, so it is accepted; any other origin
 * must match exactly.
 */

export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.toLowerCase();
	return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Why a request with this Origin is refused, or undefined when it comes from this site. */
export type OriginRefusal = { reason: 'missing' } | { reason: 'other-site'; from: string };

export function checkOrigin(origin: string | null, site: URL): OriginRefusal | undefined {
	if (!origin || origin === 'null') return { reason: 'missing' };
	if (origin === site.origin) return undefined;
	let from: URL;
	try {
		from = new URL(origin);
	} catch {
		return { reason: 'other-site', from: origin };
	}
	const samePlace = from.protocol === site.protocol && from.port === site.port;
	if (samePlace && isLoopbackHost(site.hostname) && isLoopbackHost(from.hostname)) return undefined;
	return { reason: 'other-site', from: origin };
}
