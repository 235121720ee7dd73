import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createDb } from '../db/client.ts';
import { config } from '../shared/config.ts';
import { createActivities } from '../activities/index.ts';
import { closeTargetPools } from '../activities/target-pools.ts';
import { ensureAuditCheckSchedule } from '../shared/audit-check-schedule.ts';
import { startAuditSealer } from '../shared/audit-sealer.ts';
import { temporalConnectionOptions, temporalDataConverter } from '../shared/temporal.ts';
import { workerDataConverter } from './data-converter.ts';
import { workflowsPath } from './workflows-path.ts';

/** The worker: one NativeConnection, the runbook task queue, and a graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
	const cfg = config();
	const db = createDb(cfg.DATABASE_URL);
	// Activities append audit entries (decisions, step overrides); they are sealed as each commits.
	const sealer = startAuditSealer(db);
	const connection = await NativeConnection.connect(temporalConnectionOptions(cfg));
	try {
		// Scheduled runs start their run's workflow from an activity, on the worker's one connection.
		const client = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(cfg) });
		const worker = await Worker.create({
			connection,
			namespace: cfg.TEMPORAL_NAMESPACE,
			taskQueue: cfg.TEND_TASK_QUEUE,
			workflowsPath,
			// Payloads and failure messages reach Temporal sealed with the key ring (shared/payload-codec.ts).
			dataConverter: workerDataConverter(cfg),
			activities: createActivities({ db, config: cfg, workflows: client.workflow }),
			// Wait this long for running activities to finish on SIGTERM before they are retried elsewhere.
			shutdownGraceTime: '10s'
		});
		// The daily audit chain check; a Temporal that refuses it must not keep runs from being worked.
		await ensureAuditCheckSchedule(client.schedule, cfg.TEND_TASK_QUEUE).catch((error: unknown) => console.error(`audit check schedule not installed: ${error instanceof Error ? error.message : String(error)}`));
		console.log(`worker ready on task queue ${cfg.TEND_TASK_QUEUE}`);
		await worker.run();
	} finally {
		await connection.close();
		await closeTargetPools();
		await sealer.stop();
		await db.$client.end();
	}
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
