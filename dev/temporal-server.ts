import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { polled, startService } from './service.ts';
import type { ServiceSpec } from './supervisor.ts';

export interface TemporalDevServer {
	address: string;
	uiUrl: string;
	service: ServiceSpec;
}

/**
 * How long an idle poll waits before the server answers it empty and the worker polls again.
 * Temporal's default is a minute; a poller's last access time is only refreshed when a poll starts
 * or ends, so /readyz can tell a silent worker from an idle one only after that long. Ten seconds
 * costs a few empty polls a second and lets /readyz notice within READY_WORKER_WITHIN_S.
 */
const LONG_POLL = '10s';
export const READY_WORKER_WITHIN_S = 30;

export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

/** The Temporal CLI dev server with its SQLite file under TEND_HOME, so runs survive a restart. */
export function temporalDevServer(options: { cli: string; home: string; host: string; port: number; uiPort: number; httpPort: number }): TemporalDevServer {
	const address = `127.0.0.1:${options.port}`;
	const args = [
		'server', 'start-dev',
		'--db-filename', join(options.home, 'temporal.db'),
		// Loopback only, every listener: an HTTP step or a neighbour on the network must not reach Temporal's gRPC, HTTP API or UI.
		'--ip', '127.0.0.1',
		'--ui-ip', '127.0.0.1',
		'--port', String(options.port),
		'--ui-port', String(options.uiPort),
		'--http-port', String(options.httpPort),
		'--dynamic-config-value', `matching.longPollExpirationInterval="${LONG_POLL}"`,
		// Write-ahead log, synced at checkpoints: a killed server loses nothing (only power loss could), and
		// each workflow task no longer waits for an fsync of the whole journal (see docs/decisions.md, Throughput).
		...SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
		'--log-level', 'warn'
	];
	return {
		address,
		uiUrl: `http://${options.host}:${options.uiPort}`,
		service: {
			name: 'temporal',
			spawn: () => startService('temporal', options.cli, args, { logFile: join(options.home, 'logs', 'temporal.log'), orphanSignal: 'SIGTERM' }),
			ready: polled(async () => {
				const connection = await Connection.connect({ address, connectTimeout: 1000 });
				try {
					await connection.workflowService.describeNamespace({ namespace: 'default' });
					return true;
				} finally {
					await connection.close();
				}
			}),
			readyTimeoutMs: 90_000
		}
	};
}
