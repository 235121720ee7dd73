import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../dev/ports.ts';
import { startStack, type Stack } from '../../dev/stack.ts';

/**
 * Starts one real stack for the integration project: embedded PostgreSQL with the demo CRM,
 * the Temporal dev server, the SMTP sink and the built web app. Workers are started by the
 * tests themselves (test/helpers/worker.ts) so a test can kill one mid-step.
 */
let stack: Stack | undefined;
let home: string | undefined;

export async function setup(_project: TestProject): Promise<void> {
	home = mkdtempSync(join(tmpdir(), 'tend-test-'));
	// mkdtemp makes it private; PostgreSQL, run as the postgres user when tests run as root, must enter it.
	chmodSync(home, 0o755);
	const adminPassword = randomBytes(12).toString('base64url');
	// Every port its own free one: a port derived from another (gRPC + 10) may belong to a process beside the tests.
	const ports = { web: await freePort(), postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort(), temporalHttp: await freePort(), smtp: await freePort() };
	const started = performance.now();
	stack = await startStack({ home, ports, adminPassword, worker: false, builtInSchedules: false, log: (line) => console.log(`[stack] ${line}`) });
	console.log(`[stack] ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(stack.timings)}`);
	Object.assign(process.env, {
		TEST_HOME: home,
		TEST_WEB_URL: stack.webUrl,
		TEST_ADMIN_PASSWORD: adminPassword,
		TEST_APP_DATABASE_URL: stack.env.DATABASE_URL,
		TEST_CRM_DATABASE_URL: stack.crmDemo.owner,
		TEST_CRM_READ_URL: stack.crmDemo.read,
		TEST_CRM_BACKUP_URL: stack.crmDemo.backup,
		TEST_PG_ADMIN_URL: stack.postgres.url('postgres'),
		TEST_STACK_ENV: JSON.stringify(stack.env)
	});
}

export async function teardown(): Promise<void> {
	await stack?.stop();
	if (home && !process.env.TEND_KEEP_TEST_HOME) rmSync(home, { recursive: true, force: true });
}
