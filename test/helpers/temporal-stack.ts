import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { temporalDataConverter } from '../../shared/temporal.ts';
import { parseConfig } from '../../shared/config.ts';

export function stackEnv(): Record<string, string> {
	const raw = process.env.TEST_STACK_ENV;
	if (!raw) throw new Error('TEST_STACK_ENV is not set: run this suite through `npm test`');
	return JSON.parse(raw) as Record<string, string>;
}

/**
 * A client of the test stack's Temporal: `sealed` decodes as web and worker do (the stack's key
 * ring); `raw` sees payloads as Temporal stores them, which is what an outsider reading its
 * database or API would see. Close it with `client.connection.close()`.
 */
export async function stackTemporal(view: 'sealed' | 'raw', env: Record<string, string> = stackEnv()): Promise<Client> {
	const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
	if (view === 'raw') return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
	return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(parseConfig(env)) });
}

const { History } = proto.temporal.api.history.v1;

/** A history as the bytes Temporal keeps: what a scan for a value in the clear must search. */
export const historyBytes = (history: proto.temporal.api.history.v1.IHistory) => Buffer.from(History.encode(history).finish());

/**
 * Every payload in a history with where it sits, so a test can check each is sealed. Search
 * attributes (indexed, so never encoded) and the markers Temporal's core writes itself (a local
 * activity's bookkeeping, a patch's id) are left out: no SDK codec ever sees them.
 */
export function historyPayloads(history: proto.temporal.api.history.v1.IHistory): Array<{ where: string; payload: Payload }> {
	const found: Array<{ where: string; payload: Payload }> = [];
	const walk = (value: unknown, where: string): void => {
		if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
		if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${where}[${i}]`));
		const record = value as Record<string, unknown>;
		if (record.metadata && typeof record.metadata === 'object' && 'data' in record) {
			found.push({ where, payload: record as Payload });
			return;
		}
		for (const [key, child] of Object.entries(record)) {
			if (key === 'searchAttributes' || (where.endsWith('.details') && (key === 'data' || key === 'patch-data'))) continue;
			walk(child, `${where}.${key}`);
		}
	};
	history.events?.forEach((event, i) => walk(event, `events[${i}]`));
	return found;
}
