import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTemporalCli } from '../../dev/tools.ts';
import { workflowsPath } from '../../worker/workflows-path.ts';

// Worker state changes at INFO drown the test report.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const historiesFolder = fileURLToPath(new URL('../fixtures/histories', import.meta.url));

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history as a replay fixture: the replay
 * test then fails CI if a change to workflow code would break runs already in flight.
 */
export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
	if (!process.env.RECORD_HISTORIES) return;
	const history = await client.workflow.getHandle(workflowId).fetchHistory();
	mkdirSync(historiesFolder, { recursive: true });
	writeFileSync(join(historiesFolder, `${name}.json`), historyToJSON(history));
}

/** A real Temporal dev server for workflow tests: the CLI we build or find, never the SDK's own download. */
export function createLocalEnvironment(): Promise<TestWorkflowEnvironment> {
	return TestWorkflowEnvironment.createLocal({
		server: { executable: { type: 'existing-path', path: ensureTemporalCli() }, extraArgs: ['--log-level', 'error'] }
	});
}

/** Bundled once per file (STYLE rule 21): bundling costs seconds, a worker per test costs milliseconds. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
	return bundleWorkflowCode({ workflowsPath, logger: undefined });
}
