import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { tableStates } from '../../activities/drills.ts';
import { findPgTool, libpqEnv, runPgTool } from '../../activities/pg-tools.ts';
import { freePort } from '../../dev/ports.ts';
import { startStack } from '../../dev/stack.ts';
import { eventually, loginAsAdmin, runEnded } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { compare, median, report } from './harness.ts';

/**
 * Drill overhead (issue 13): a whole drill of "customers table dropped" on the full crm_demo —
 * scratch copy from the newest verified backup, checksums, the fault, the page, an acknowledgement
 * through the API at once, the recovery run (an in-place restore of the same backup, low risk here so
 * no approval waits), verification — against a bare `createdb` + `pg_restore` of the same backup
 * plus the same verification queries. Also the scratch copy's preparation alone against the bare restore.
 */
export default async function drillBench(rounds = 3): Promise<void> {
	const home = mkdtempSync(join(tmpdir(), 'tend-bench-drill-'));
	chmodSync(home, 0o755);
	const adminPassword = randomBytes(12).toString('base64url');
	const ports = { web: await freePort(), postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort(), temporalHttp: await freePort(), smtp: await freePort() };
	const stack = await startStack({ home, ports, adminPassword, worker: true, builtInSchedules: false, log: () => {} });
	Object.assign(process.env, { TEST_WEB_URL: stack.webUrl, TEST_ADMIN_PASSWORD: adminPassword });
	try {
		const admin = await loginAsAdmin();
		const backup = await admin.json<{ id: string }>('POST', '/api/v1/runbooks/crm-nightly-backup/runs', { inputs: {} });
		const ran = await runEnded<{ status: string; steps: Array<{ id: string; outputs: { path?: string } | null }> }>(admin, backup.body.id, 600_000);
		if (ran.status !== 'succeeded') throw new Error(`the nightly backup ended ${ran.status}`);
		const dump = ran.steps.find((s) => s.id === 'backup')?.outputs?.path;
		if (!dump) throw new Error('the backup step named no path');
		const recovery = `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: bench-restore-in-place, title: Bench recovery }\nspec:\n  target: crm-demo\n  steps:\n    - { id: restore, uses: postgres.restore, risk: low, with: { database: main, backup: latest } }\n`;
		if ((await admin.send('POST', '/api/v1/runbooks', recovery, 'application/yaml')).status >= 300) throw new Error('publishing the bench recovery failed');
		const drill = `apiVersion: tend/v1\nkind: Drill\nmetadata: { name: bench-customers-dropped, title: Bench drill }\nspec:\n  target: crm-demo\n  scenario: { fault: table.drop, with: { table: customers } }\n  recovery: { runbook: bench-restore-in-place }\n  objectives: { acknowledge: 15m, rto: 1h, rpo: 30d }\n  responders: [role:admin]\n`;
		if ((await admin.send('POST', '/api/v1/drills', drill, 'application/yaml')).status >= 300) throw new Error('publishing the bench drill failed');

		const crmUrl = stack.postgres.url('crm_demo');
		const pgRestore = findPgTool('pg_restore', 15);
		const server = new pg.Client({ connectionString: stack.postgres.url('postgres') });
		await server.connect();
		const restores: number[] = [];
		const preparations: number[] = [];
		let round = 0;
		try {
			const samples = await compare(
				rounds,
				async () => {
					const scratch = `bench_drill_${round++}`;
					await server.query(`create database ${scratch}`);
					const started = performance.now();
					await runPgTool(pgRestore, ['--no-password', '--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${scratch}`, dump], libpqEnv(crmUrl, scratch)).done;
					restores.push(performance.now() - started);
					const url = new URL(crmUrl);
					url.pathname = `/${scratch}`;
					await withClient(url.toString(), tableStates);
					await server.query(`drop database ${scratch} with (force)`);
				},
				async () => {
					const { body } = await admin.json<{ id: string }>('POST', '/api/v1/drills/bench-customers-dropped/runs', {});
					await eventually('the drill to wait for an acknowledgement', async () => ((await admin.json<{ status: string }>('GET', `/api/v1/drill-runs/${body.id}`)).body.status === 'waiting_ack' ? true : undefined), 600_000, 100);
					await admin.json('POST', `/api/v1/drill-runs/${body.id}/ack`, {});
					const done = await eventually(
						'the drill to end',
						async () => {
							const run = (await admin.json<{ status: string; timeline: Array<{ kind: string; details: { restoreMs?: number } }> }>('GET', `/api/v1/drill-runs/${body.id}`)).body;
							return ['passed', 'failed', 'aborted'].includes(run.status) ? run : undefined;
						},
						600_000,
						100
					);
					if (done.status !== 'passed') throw new Error(`the bench drill ended ${done.status}`);
					const ready = done.timeline.find((e) => e.kind === 'drill.scratch_ready');
					if (ready?.details.restoreMs !== undefined) preparations.push(ready.details.restoreMs);
				}
			);
			report('drill of "customers table dropped" (start to passed) vs createdb + pg_restore + the same verification queries', 'bare restore + verify (baseline)', 'whole drill', samples, '≤ 1.5');
			const ratio = median(preparations) / median(restores);
			console.log(`scratch copy's pg_restore inside the drill: median ${median(preparations).toFixed(0)} ms vs bare pg_restore ${median(restores).toFixed(0)} ms — ratio ${ratio.toFixed(2)} (goal ≤ 1.1)`);
		} finally {
			await server.end();
		}
	} finally {
		await stack.stop();
		rmSync(home, { recursive: true, force: true });
	}
}
