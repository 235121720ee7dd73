import { createServer } from 'node:net';

export class PortInUseError extends Error {
	override name = 'PortInUseError';
}

function listenOnce(port: number, host: string): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, host, () => server.close(() => resolve(true)));
	});
}

/** Fails with a one-line message naming the port, what wanted it, and how to choose another. */
export async function assertPortFree(port: number, what: string, fix: string): Promise<void> {
	if (!(await listenOnce(port, '127.0.0.1')) || !(await listenOnce(port, '0.0.0.0'))) {
		throw new PortInUseError(`port ${port} (${what}) is already in use: stop whatever holds it, or ${fix}`);
	}
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

export interface StackPorts {
	web: number;
	postgres: number;
	temporal: number;
	temporalUi: number;
	/** The dev server's HTTP API; tests pass a free port of their own, the default sits beside the gRPC port. */
	temporalHttp?: number;
	smtp: number;
}

/** Default ports derive from PORT, so a second instance with another PORT and TEND_HOME runs beside the first. */
export function portsFor(webPort: number, env: NodeJS.ProcessEnv = process.env): StackPorts {
	const pick = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
	return {
		web: webPort,
		postgres: pick('TEND_PG_PORT', webPort + 10_000),
		temporal: pick('TEMPORAL_PORT', webPort + 2060),
		temporalUi: pick('TEMPORAL_UI_PORT', webPort + 3060),
		smtp: pick('SMTP_PORT', webPort + 20_000)
	};
}

