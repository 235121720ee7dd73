import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { historiesFolder } from '../helpers/temporal-env.ts';
import { workflowsPath } from '../../worker/workflows-path.ts';

/**
 * Replays recorded histories of every workflow type against today's workflow code. A change that
 * would make a running workflow non-deterministic fails here, not in production.
 * Record new fixtures with `RECORD_HISTORIES=1 npx vitest run --project workflow`.
 */
const files = readdirSync(historiesFolder).filter((f) => f.endsWith('.json')).sort();

describe('workflow replay', () => {
	it('has a recorded history of every workflow type', () => {
		const types = new Set(files.map((f) => f.split('--')[0]));
		expect([...types]).toEqual(expect.arrayContaining(['runbook-run']));
	});

	it.each(files)('replays %s deterministically', async (file) => {
		const history = JSON.parse(readFileSync(join(historiesFolder, file), 'utf8'));
		await expect(Worker.runReplayHistory({ workflowsPath }, history, file)).resolves.toBeUndefined();
	});
});
