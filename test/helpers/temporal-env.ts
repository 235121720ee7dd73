import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTemporalCli, ensureTemporalTestServer } from '../../dev/tools.ts';
import { workflowsPath } from '../../worker/workflows-path.ts';

// Worker state changes at INFO drown the test report.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const historiesFolder = fileURLToPath(new URL('../fixtures/histories', import.meta.url));
/**
 * The release whose histories new recordings join. Histories of every release stay: runs started
 * on an older release must still replay on today's code (workflows/runbook-run.ts patches).
 */
export const CURRENT_RELEASE = 'v2';

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history as a replay fixture: the replay
 * test then fails CI if a change to workflow code would break runs already in flight.
 */
export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
	if (!process.env.RECORD_HISTORIES) return;
	const history = await client.workflow.getHandle(workflowId).fetchHistory();
	const folder = join(historiesFolder, CURRENT_RELEASE);
	mkdirSync(folder, { recursive: true });
	writeFileSync(join(folder, `${name}.json`), historyToJSON(history));
}

/** A real Temporal dev server for workflow tests: the CLI we build or find, never the SDK's own download. */
export function createLocalEnvironment(): Promise<TestWorkflowEnvironment> {
	return TestWorkflowEnvironment.createLocal({
		server: { executable: { type: 'existing-path', path: ensureTemporalCli() }, extraArgs: ['--log-level', 'error'] }
	});
}

/**
 * Temporal's time-skipping test server (Java, fetched once by dev/tools.ts), for tests whose runs
 * wait on durable timers. Time runs at wall-clock speed while a test drives a run, jumps to the
 * next timer whenever the run is idle while the test awaits its result, and moves on by hand with
 * `env.sleep()`. Skipping is global to the server: a file's tests must not await results at once.
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
	const path = ensureTemporalTestServer();
	for (let attempt = 1; ; attempt++) {
		try {
			return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
		} catch (error) {
			// The SDK gives the server 5 s to answer, which a JVM starting on a busy machine can miss.
			if (attempt === 3 || !String(error).includes('did not start within')) throw error;
		}
	}
}

/** Bundled once per file (STYLE rule 21): bundling costs seconds, a worker per test costs milliseconds. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
	return bundleWorkflowCode({ workflowsPath, logger: undefined });
}
