import { Client, Connection } from '@temporalio/client';
import { config } from '../../../../shared/config.ts';
import { temporalConnectionOptions, temporalDataConverter } from '../../../../shared/temporal.ts';

let client: Promise<Client> | undefined;

/** One lazily created Client for the whole web process (STYLE rule 11): never a connection per request. */
export function temporalClient(): Promise<Client> {
	client ??= (async () => {
		const cfg = config();
		const connection = await Connection.connect(temporalConnectionOptions(cfg));
		return new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(cfg) });
	})().catch((error: unknown) => {
		client = undefined; // let the next request try again rather than cache the failure
		throw error;
	});
	return client;
}

/** Closes the connection when the server shuts down; nothing else may hold the process open. */
export async function closeTemporalClient(): Promise<void> {
	const open = client;
	client = undefined;
	const connected = await open?.catch(() => undefined);
	await connected?.connection.close();
}
