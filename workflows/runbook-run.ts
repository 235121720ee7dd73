import { patched } from '@temporalio/workflow';
import type { RunbookRunInput, RunbookRunResult } from './definitions.ts';
import { runbookRunV1 } from './legacy/runbook-run-v1.ts';
import { Run } from './run/run.ts';

/**
 * Runs released before a change keep the code they started with: every change to what this
 * workflow does goes behind a patch id here, and the histories of each release stay in
 * test/fixtures/histories/<release> for the replay test.
 */
export const ENGINE_V2 = 'engine-v2';

/** A Tend run: one pinned runbook version, interpreted by workflows/run/run.ts. */
export async function runbookRun(input: RunbookRunInput): Promise<RunbookRunResult> {
	if (!patched(ENGINE_V2)) return runbookRunV1(input);
	return new Run(input).execute();
}
