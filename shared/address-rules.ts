import ipaddr from 'ipaddr.js';

/**
 * Where an HTTP step may connect (DESIGN §7). Public unicast addresses are open; loopback,
 * link-local, private, shared and reserved ranges (IPv4 and IPv6, IPv4-mapped IPv6 read as the
 * IPv4 address it carries) are refused unless the runbook's target names the host in
 * `spec.http.allowHosts`. Tend's own services (web, Temporal's gRPC, HTTP API and UI, its
 * PostgreSQL and SMTP) are refused unless an entry names the host *and* the port. Pure rules
 * (ipaddr.js only), so the target schema can use them in the browser too; the connection-time
 * check is in address-policy.ts.
 */

/** 4 or 6 for an IP literal (IPv6 without brackets), else 0, as node:net's isIP. */
export function isIP(text: string): 0 | 4 | 6 {
	if (ipaddr.IPv4.isValidFourPartDecimal(text)) return 4;
	if (ipaddr.IPv6.isValid(text)) return 6;
	return 0;
}

export interface OwnEndpoint {
	/** A host name or IP literal (no brackets). */
	host: string;
	port: number;
	/** What listens there, for messages: "the Temporal HTTP API". */
	service: string;
}

export interface AddressPolicy {
	/** `spec.http.allowHosts` of the target: `host`, `host:port`, `*.domain`, an IP, or a CIDR range. */
	allowHosts: readonly string[];
	own: readonly OwnEndpoint[];
}

export interface Refusal {
	/** The host as the URL names it. */
	host: string;
	/** The address it resolved to. */
	address: string;
	port: number;
	/** `loopback`, `private`, `link-local`, `unique-local`, `unspecified`, `shared`, `multicast`, `reserved`, `tend-service`. */
	rule: string;
	message: string;
}

/** What a refused connection fails with; fetch gives it as the `cause` of its TypeError. */
export class AddressRefusedError extends Error {
	override name = 'AddressRefusedError';
	readonly code = 'ADDRESS_REFUSED';
	constructor(readonly refusal: Refusal) {
		super(refusal.message);
	}
}

const RANGE_RULES: Record<string, { rule: string; words: string }> = {
	loopback: { rule: 'loopback', words: 'a loopback address' },
	private: { rule: 'private', words: 'a private address (RFC 1918)' },
	linkLocal: { rule: 'link-local', words: 'a link-local address' },
	uniqueLocal: { rule: 'unique-local', words: 'a unique local IPv6 address (fc00::/7)' },
	unspecified: { rule: 'unspecified', words: 'the unspecified address' },
	carrierGradeNat: { rule: 'shared', words: 'a shared (carrier-grade NAT) address' },
	multicast: { rule: 'multicast', words: 'a multicast address' },
	broadcast: { rule: 'broadcast', words: 'the broadcast address' }
};

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** An address as connections see it: an IPv4-mapped (or -compatible) IPv6 address is the IPv4 one. */
function normalise(address: string): Address {
	const parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
	if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address();
	return parsed;
}

/** Which refused range an address is in, or null for a public unicast address. */
export function rangeRule(address: string): { rule: string; words: string } | null {
	const parsed = normalise(address);
	const range = parsed.range();
	if (range === 'unicast') return null;
	return RANGE_RULES[range] ?? { rule: 'reserved', words: `a reserved address (${range})` };
}

const HOST_LABEL = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

interface AllowEntry {
	kind: 'name' | 'address' | 'range';
	text: string;
	host?: string;
	port?: number;
	cidr?: [Address, number];
}

/** Reads one allowHosts entry; a string saying what is wrong when it is none of the accepted forms. */
export function parseAllowHost(raw: string): AllowEntry | string {
	const text = raw.trim().toLowerCase();
	if (text.includes('/')) {
		try {
			const [address, bits] = ipaddr.parseCIDR(text);
			const mapped = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96;
			return { kind: 'range', text, cidr: mapped ? [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] : [address, bits] };
		} catch {
			return `"${raw}" is not a CIDR range (10.1.2.0/24, fd00::/8)`;
		}
	}
	const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
	if (bracketed) {
		if (!ipaddr.IPv6.isValid(bracketed[1])) return `"${raw}" is not an IPv6 address`;
		return bracketed[2] === undefined ? { kind: 'address', text, host: bracketed[1] } : withPort(raw, { kind: 'name', text, host: bracketed[1] }, bracketed[2]);
	}
	if (isIP(text) === 6) return { kind: 'address', text, host: text };
	const [host, port, extra] = text.split(':');
	if (extra !== undefined || !host) return `"${raw}" is not a host, host:port, IP address or CIDR range`;
	if (isIP(host) !== 4 && !HOST_LABEL.test(host)) return `"${raw}" is not a host, host:port, IP address or CIDR range`;
	const entry: AllowEntry = { kind: port === undefined && isIP(host) === 4 ? 'address' : 'name', text, host };
	return port === undefined ? entry : withPort(raw, entry, port);
}

function withPort(raw: string, entry: AllowEntry, port: string): AllowEntry | string {
	const number = Number(port);
	if (!/^\d{1,5}$/.test(port) || number < 1 || number > 65535) return `"${raw}" has no valid port (1-65535)`;
	return { ...entry, port: number };
}

function sameAddress(a: Address, b: Address): boolean {
	return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

/** Does the entry name this host (as the URL writes it) at this port, or the address it resolved to? */
function entryAllows(entry: AllowEntry, host: string, port: number, address: Address): boolean {
	if (entry.port !== undefined && entry.port !== port) return false;
	if (entry.kind === 'range') {
		const [base, bits] = entry.cidr!;
		return base.kind() === address.kind() && address.match(base, bits);
	}
	const named = entry.host!;
	if (named.startsWith('*.')) return host.endsWith(named.slice(1)) && host.length > named.length - 1;
	if (named === host) return true;
	return isIP(named) !== 0 && sameAddress(normalise(named), address);
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost']);

/** Is this connection one to a Tend service? A service on loopback is matched on any loopback address. */
function ownService(policy: AddressPolicy, host: string, port: number, address: Address): OwnEndpoint | undefined {
	return policy.own.find((own) => {
		if (own.port !== port) return false;
		if (own.host.toLowerCase() === host) return true;
		const ownIsLoopback = LOOPBACK_NAMES.has(own.host.toLowerCase()) || (isIP(own.host) !== 0 && normalise(own.host).range() === 'loopback');
		if (ownIsLoopback && address.range() === 'loopback') return true;
		return isIP(own.host) !== 0 && sameAddress(normalise(own.host), address);
	});
}

/** Null when the step may connect to `address` (what `host` resolved to) on `port`; else why not. */
export function checkAddress(policy: AddressPolicy, rawHost: string, port: number, rawAddress: string): Refusal | null {
	const host = rawHost.toLowerCase().replace(/^\[|\]$/g, '');
	const address = normalise(rawAddress);
	const entries = policy.allowHosts.map(parseAllowHost).filter((e): e is AllowEntry => typeof e !== 'string');
	const shown = address.toString();
	const own = ownService(policy, host, port, address);
	if (own) {
		// Tend's own services only by an entry that names the port too: allowing "127.0.0.1" for a test receiver must not open Temporal.
		if (entries.some((e) => e.port === port && entryAllows(e, host, port, address))) return null;
		return {
			host,
			address: shown,
			port,
			rule: 'tend-service',
			message: `${host} (${shown} port ${port}) is ${own.service}, one of Tend's own services; a step reaches it only if the target lists "${isIP(host) === 6 ? `[${host}]` : host}:${port}" in spec.http.allowHosts`
		};
	}
	const range = rangeRule(shown);
	if (!range) return null;
	if (entries.some((e) => entryAllows(e, host, port, address))) return null;
	return {
		host,
		address: shown,
		port,
		rule: range.rule,
		message: `${host} resolves to ${shown}, ${range.words} (rule: ${range.rule}); a step reaches it only if the target lists "${host}" in spec.http.allowHosts`
	};
}

