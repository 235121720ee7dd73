import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workerDataConverter } from '../../worker/data-converter.ts';
import { bundleWorkflows, CURRENT_RELEASE, historiesFolder } from '../helpers/temporal-env.ts';

/**
 * Replays recorded histories of every workflow type against today's workflow code. A change that
 * would make a running workflow non-deterministic fails here, not in production.
 * Record new fixtures with `RECORD_HISTORIES=1 npx vitest run --project workflow`.
 */
/** `<release>/<workflow type>--<test>.json`, every release's. */
const files = readdirSync(historiesFolder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();

// One bundle and one replay worker for all histories, as in production: a worker per history costs a second each.
// The worker decodes as production's does, through the payload codec: the recorded payloads are plain, and must pass through it.
const results = new Map<string, ReplayResult>();
beforeAll(async () => {
	const histories = files.map((file) => ({ workflowId: file, history: JSON.parse(readFileSync(join(historiesFolder, file), 'utf8')) as unknown }));
	const dataConverter = workerDataConverter({ TEND_SECRET_KEYS: [randomBytes(32).toString('base64')] });
	for await (const result of Worker.runReplayHistories({ workflowBundle: await bundleWorkflows(), dataConverter }, histories)) results.set(result.workflowId, result);
});

describe('workflow replay', () => {
	it('has a recorded history of every workflow type', () => {
		for (const release of ['v1', CURRENT_RELEASE]) {
			const types = new Set(files.filter((f) => f.startsWith(`${release}/`)).map((f) => f.slice(release.length + 1).split('--')[0]));
			expect([...types], release).toEqual(expect.arrayContaining(['runbook-run', 'target-lock', 'scheduled-run']));
		}
		// Workflow types added in this release have histories of this release only.
		const current = new Set(files.filter((f) => f.startsWith(`${CURRENT_RELEASE}/`)).map((f) => f.slice(CURRENT_RELEASE.length + 1).split('--')[0]));
		expect([...current]).toEqual(expect.arrayContaining(['audit-chain-check', 'feedback-item', 'access-review-campaign', 'training-assignment']));
	});

	it.each(files)('replays %s deterministically', (file) => {
		expect(results.get(file)).toMatchObject({ workflowId: file });
		expect(results.get(file)?.error).toBeUndefined();
	});
});
