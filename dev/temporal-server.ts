import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { startService, waitUntilReady, type Service } from './service.ts';

export interface TemporalDevServer {
	address: string;
	uiUrl: string;
	service: Service;
}

/** The Temporal CLI dev server with its SQLite file under TEND_HOME, so runs survive a restart. */
export async function startTemporalDevServer(options: { cli: string; home: string; port: number; uiPort: number; httpPort?: number }): Promise<TemporalDevServer> {
	const address = `127.0.0.1:${options.port}`;
	const args = [
		'server', 'start-dev',
		'--db-filename', join(options.home, 'temporal.db'),
		'--ip', '127.0.0.1',
		'--port', String(options.port),
		'--ui-port', String(options.uiPort),
		'--http-port', String(options.httpPort ?? options.port + 10),
		'--log-level', 'warn'
	];
	const service = startService('temporal', options.cli, args, { logFile: join(options.home, 'logs', 'temporal.log') });
	await waitUntilReady(
		service,
		async () => {
			const connection = await Connection.connect({ address, connectTimeout: 1000 });
			try {
				await connection.workflowService.describeNamespace({ namespace: 'default' });
				return true;
			} finally {
				await connection.close();
			}
		},
		90_000
	);
	return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, service };
}
