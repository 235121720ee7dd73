import { createServer } from 'node:net';

export interface StackPorts {
	web: number;
	postgres: number;
	temporal: number;
	temporalUi: number;
	/** The Temporal dev server's HTTP API. */
	temporalHttp: number;
	smtp: number;
}

interface PortRule {
	service: string;
	variable: string;
	offset: number;
}

/**
 * Each port, who listens on it, the variable that moves it, and its offset from PORT. The offsets
 * differ pairwise by at least 1,000, so two instances whose PORTs are less than 1,000 apart never
 * derive the same port (the Temporal HTTP port used to sit at gRPC + 10, which a neighbour with
 * PORT + 10 took for its own gRPC port).
 */
export const PORT_RULES: Record<keyof StackPorts, PortRule> = {
	web: { service: 'the web app', variable: 'PORT', offset: 0 },
	temporal: { service: 'the Temporal dev server (gRPC)', variable: 'TEMPORAL_PORT', offset: 2060 },
	temporalUi: { service: 'the Temporal Web UI', variable: 'TEMPORAL_UI_PORT', offset: 3060 },
	temporalHttp: { service: 'the Temporal dev server (HTTP API)', variable: 'TEMPORAL_HTTP_PORT', offset: 4060 },
	postgres: { service: 'embedded PostgreSQL', variable: 'TEND_PG_PORT', offset: 10_000 },
	smtp: { service: 'the SMTP sink', variable: 'SMTP_PORT', offset: 20_000 }
};

const KEYS = Object.keys(PORT_RULES) as Array<keyof StackPorts>;

export class PortError extends Error {
	override name = 'PortError';
}

/** What to do about a port: the variable that moves it, and for derived ports the alternative of another PORT. */
function fix(key: keyof StackPorts): string {
	const { variable } = PORT_RULES[key];
	return key === 'web' ? 'set PORT to another port (with its own TEND_HOME for a second instance)' : `set ${variable}, or another PORT (with its own TEND_HOME) to move every port`;
}

/** Default ports derive from PORT, so a second instance with another PORT and TEND_HOME runs beside the first. */
export function portsFor(webPort: number, env: NodeJS.ProcessEnv = process.env): StackPorts {
	const problems: string[] = [];
	const ports = Object.fromEntries(
		KEYS.map((key) => {
			const { variable, offset } = PORT_RULES[key];
			const given = key === 'web' ? String(webPort) : env[variable];
			const port = given ? Number(given) : webPort + offset;
			if (!Number.isInteger(port) || port < 1 || port > 65535) {
				problems.push(given ? `${variable} must be a port number (1-65535), not "${given}"` : `${variable} would be PORT + ${offset} = ${port}, which is not a port: set ${variable} or a lower PORT`);
			}
			return [key, port];
		})
	) as unknown as StackPorts;
	if (problems.length) throw new PortError(problems.join('\n'));
	return ports;
}

function listenOnce(port: number, host: string): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, host, () => server.close(() => resolve(true)));
	});
}

export async function isPortFree(port: number): Promise<boolean> {
	// The web app listens on every interface, the others on loopback; either kind of listener blocks both.
	return (await listenOnce(port, '127.0.0.1')) && (await listenOnce(port, '0.0.0.0'));
}

/**
 * Checks every port before anything starts, and fails with one line per problem naming the port,
 * the service that wanted it and the variable to set.
 */
export async function assertPortsFree(ports: StackPorts): Promise<void> {
	const problems: string[] = [];
	const claimed = new Map<number, keyof StackPorts>();
	for (const key of KEYS) {
		const port = ports[key];
		const other = claimed.get(port);
		if (other) {
			problems.push(`port ${port} is wanted by both ${PORT_RULES[other].service} (${PORT_RULES[other].variable}) and ${PORT_RULES[key].service} (${PORT_RULES[key].variable}): ${fix(key)}`);
			continue;
		}
		claimed.set(port, key);
		if (!(await isPortFree(port))) problems.push(`port ${port}, which ${PORT_RULES[key].service} needs, is already in use: stop whatever holds it, or ${fix(key)}`);
	}
	if (problems.length) throw new PortError(problems.join('\n'));
}

/** A port the OS says is free right now: for tests, which run beside whatever else is on the machine. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}
