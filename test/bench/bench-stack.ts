import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.ts';
import { startStack, type Stack } from '../../dev/stack.ts';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';

/**
 * A whole Tend as `npm start` runs it (PostgreSQL, Temporal dev server, web, and optionally the
 * worker), with a small demo CRM, for benchmarks that measure what users meet: the API, the live
 * run page, starts under load. The test helpers' API client talks to it.
 */
export interface BenchStack {
	stack: Stack;
	/** The stack's TEND_HOME. */
	home: string;
	admin: ApiClient;
	close(): Promise<void>;
}

export async function startBenchStack({ worker = true } = {}): Promise<BenchStack> {
	const home = mkdtempSync(join(tmpdir(), 'tend-bench-stack-'));
	chmodSync(home, 0o755);
	const adminPassword = randomBytes(12).toString('base64url');
	const ports = { web: await freePort(), postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort(), temporalHttp: await freePort(), smtp: await freePort() };
	const stack = await startStack({ home, ports, adminPassword, worker, builtInSchedules: false, crmSeed: { customers: 500, logRows: 5000 }, log: () => {} });
	Object.assign(process.env, {
		TEST_WEB_URL: stack.webUrl,
		TEST_ADMIN_PASSWORD: adminPassword,
		TEST_APP_DATABASE_URL: stack.env.DATABASE_URL,
		TEST_CRM_DATABASE_URL: stack.crmDemo.owner,
		TEST_PG_ADMIN_URL: stack.postgres.url('postgres'),
		TEST_STACK_ENV: JSON.stringify(stack.env)
	});
	return {
		stack,
		home,
		admin: await loginAsAdmin(),
		async close() {
			await stack.stop();
			rmSync(home, { recursive: true, force: true });
		}
	};
}

/** Publishes a runbook as JSON through the API. */
export async function publish(admin: ApiClient, name: string, spec: object): Promise<void> {
	const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name }, spec });
	if (published.status !== 200 && published.status !== 201) throw new Error(`publishing ${name}: ${published.status} ${JSON.stringify(published.body)}`);
}

/** Runs `work` for each of `count` items with at most `concurrency` at once. */
export async function pool<T>(count: number, concurrency: number, work: (index: number) => Promise<T>): Promise<T[]> {
	const results: T[] = new Array(count);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(concurrency, count) }, async () => {
			while (next < count) {
				const index = next++;
				results[index] = await work(index);
			}
		})
	);
	return results;
}
