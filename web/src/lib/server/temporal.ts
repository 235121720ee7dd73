import { Client, Connection, isGrpcServiceError, ServiceError } from '@temporalio/client';
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

/** gRPC's UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the server is not there, or not answering, now. */
const UNREACHABLE_CODES = new Set([14, 4]);

/**
 * True when `error` (or one of its causes) says Temporal could not be reached: the client's first
 * connection failed, or a call found the server unavailable or out of time. Such a request may
 * succeed later, so the API answers 503 with Retry-After rather than 500.
 */
export function isTemporalUnavailable(error: unknown): boolean {
	for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
		if (isGrpcServiceError(current) && UNREACHABLE_CODES.has(current.code)) return true;
		if (current instanceof ServiceError && /failed to connect/i.test(current.message)) return true;
		if (/failed to connect before the deadline|ECONNREFUSED/i.test(current.message)) return true;
	}
	return false;
}
