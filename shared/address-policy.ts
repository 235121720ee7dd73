import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent, buildConnector } from 'undici';
import { AddressRefusedError, checkAddress, isIP, type AddressPolicy, type OwnEndpoint, type Refusal } from './address-rules.ts';
import type { Config } from './config.ts';

export { AddressRefusedError, checkAddress, type AddressPolicy, type OwnEndpoint, type Refusal } from './address-rules.ts';

type LookupAll = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: LookupAll = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * An undici dispatcher whose every new connection resolves the host itself, checks each address
 * against the policy and connects to the first one: the address checked is the address used.
 * `lookup` is replaceable so a test can play a rebinding DNS server.
 */
export function guardedAgent(policy: AddressPolicy, lookup: LookupAll = systemLookup): Agent {
	const connect = buildConnector({});
	return new Agent({
		connect: (options, callback) => {
			const host = options.hostname.replace(/^\[|\]$/g, '');
			const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
			(isIP(host) ? Promise.resolve([{ address: host, family: isIP(host) }]) : lookup(host)).then(
				(addresses) => {
					if (!addresses.length) return callback(Object.assign(new Error(`${host} resolves to no address`), { code: 'ENOTFOUND' }), null);
					for (const { address } of addresses) {
						const refusal = checkAddress(policy, host, port, address);
						if (refusal) return callback(new AddressRefusedError(refusal), null);
					}
					const servername = options.servername || (isIP(host) ? undefined : host);
					// Each checked address in turn, as a resolver's list is meant to be tried (localhost: ::1, then 127.0.0.1).
					const attempt = (index: number) =>
						connect({ ...options, hostname: addresses[index].address, ...(servername ? { servername } : {}) }, (error, socket) => {
							const code = (error as { code?: string } | null)?.code;
							if (error && index + 1 < addresses.length && (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL')) return attempt(index + 1);
							if (error) return callback(error, null);
							callback(null, socket!);
						});
					attempt(0);
				},
				(error: Error) => callback(error, null)
			);
		}
	});
}

/** The refusal behind a failed fetch, if that is why it failed. */
export function addressRefusal(error: unknown): Refusal | undefined {
	for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
		if (current instanceof AddressRefusedError) return current.refusal;
	}
	return undefined;
}

function endpointOf(url: string | undefined, service: string, defaultPort?: number): OwnEndpoint[] {
	if (!url) return [];
	try {
		const parsed = new URL(url);
		const port = Number(parsed.port) || defaultPort || (parsed.protocol === 'https:' ? 443 : 80);
		const host = parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost';
		return [{ host, port, service }];
	} catch {
		return [];
	}
}

const portOf = (value: string | undefined) => (value && /^\d{1,5}$/.test(value) ? Number(value) : undefined);

/**
 * Tend's own services, from the configuration web and worker share: the web app (PORT on this
 * machine and TEND_PUBLIC_URL), Temporal's gRPC address, its HTTP API and UI (TEMPORAL_HTTP_PORT
 * and TEMPORAL_UI_PORT, else the launcher's offsets from PORT), PostgreSQL and SMTP.
 */
export function ownEndpoints(config: Pick<Config, 'PORT' | 'TEMPORAL_ADDRESS' | 'DATABASE_URL' | 'SMTP_URL' | 'TEND_PUBLIC_URL'>, env: NodeJS.ProcessEnv = process.env): OwnEndpoint[] {
	const temporal = endpointOf(`grpc://${config.TEMPORAL_ADDRESS}`, 'the Temporal server (gRPC)', 7233);
	const temporalHost = temporal[0]?.host ?? '127.0.0.1';
	const httpPort = portOf(env.TEMPORAL_HTTP_PORT) ?? config.PORT + 4060;
	const uiPort = portOf(env.TEMPORAL_UI_PORT) ?? config.PORT + 3060;
	return [
		{ host: '127.0.0.1', port: config.PORT, service: 'the Tend web app' },
		...endpointOf(config.TEND_PUBLIC_URL, 'the Tend web app'),
		...temporal,
		{ host: temporalHost, port: httpPort, service: 'the Temporal HTTP API' },
		{ host: temporalHost, port: uiPort, service: 'the Temporal Web UI' },
		...endpointOf(config.DATABASE_URL, "Tend's PostgreSQL", 5432),
		...endpointOf(config.SMTP_URL, 'the SMTP server', 25)
	].filter((e) => e.port >= 1 && e.port <= 65535);
}
