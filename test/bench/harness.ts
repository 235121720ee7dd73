import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, migrateDb, type Db } from '../../db/client.ts';
import { seedCrmDemo } from '../../db/seed/crm-demo.ts';
import { provisionAppDatabase, provisionCrmDemo } from '../../dev/database-roles.ts';
import { ensureDemoTarget, ensureRoles, installBuiltInRunbooks } from '../../dev/bootstrap.ts';
import { freePort } from '../../dev/ports.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../dev/postgres.ts';

/** A real PostgreSQL with Tend's schema, the demo target and a seeded crm_demo, for benchmarks. */
export interface BenchDatabase {
	home: string;
	postgres: EmbeddedPostgresHandle;
	db: Db;
	crmUrl: string;
	secretKey: string;
	close(): Promise<void>;
}

/** `seedCrm: false` skips the demo CRM's rows (a minute of work) for benchmarks that never touch them. */
export async function startBenchDatabase({ seedCrm = true } = {}): Promise<BenchDatabase> {
	const home = mkdtempSync(join(tmpdir(), 'tend-bench-'));
	chmodSync(home, 0o755);
	const postgres = await startEmbeddedPostgres({ dataDir: join(home, 'pg'), port: await freePort(), password: 'bench' });
	await postgres.ensureDatabase('tend');
	await postgres.ensureDatabase('crm_demo');
	const provision = { superuserUrl: postgres.url('postgres'), superuser: postgres.user, rootPassword: 'bench' };
	const db = createDb(await provisionAppDatabase(provision, 'tend'));
	const crmDemo = await provisionCrmDemo(provision, 'crm_demo');
	await migrateDb(db);
	await ensureRoles(db);
	const secretKey = Buffer.alloc(32, 7).toString('base64');
	await ensureDemoTarget(db, Buffer.from(secretKey, 'base64'), crmDemo, 'http://localhost');
	await installBuiltInRunbooks(db);
	if (seedCrm) await seedCrmDemo(crmDemo.owner);
	return {
		home,
		postgres,
		db,
		crmUrl: crmDemo.owner,
		secretKey,
		async close() {
			await db.$client.end();
			await postgres.stop();
			rmSync(home, { recursive: true, force: true });
		}
	};
}

export interface Sample {
	label: string;
	ms: number[];
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Nearest-rank percentile (`p` in 0..100): always one of the measured values, never an interpolation. */
export const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * values.length) - 1)];

/** Alternates baseline and candidate so drift on a shared machine hits both alike. */
export async function compare(rounds: number, baseline: () => Promise<void>, candidate: () => Promise<void>): Promise<{ baseline: number[]; candidate: number[] }> {
	const result = { baseline: [] as number[], candidate: [] as number[] };
	for (let i = 0; i < rounds; i++) {
		for (const [name, work] of [['baseline', baseline], ['candidate', candidate]] as const) {
			const started = performance.now();
			await work();
			result[name].push(performance.now() - started);
		}
	}
	return result;
}

export function report(title: string, baselineLabel: string, candidateLabel: string, samples: { baseline: number[]; candidate: number[] }, goal?: string): void {
	const b = median(samples.baseline);
	const c = median(samples.candidate);
	const fmt = (values: number[]) => values.map((v) => Math.round(v)).join(', ');
	console.log(`\n${title}`);
	console.log(`  ${baselineLabel.padEnd(34)} median ${Math.round(b)} ms  (${fmt(samples.baseline)})`);
	console.log(`  ${candidateLabel.padEnd(34)} median ${Math.round(c)} ms  (${fmt(samples.candidate)})`);
	console.log(`  ratio ${(c / b).toFixed(3)}${goal ? `  (goal ${goal})` : ''}`);
}
