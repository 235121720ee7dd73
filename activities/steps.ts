import type { WorkflowClient } from '@temporalio/client';
import { backupPrune } from './backup-prune.ts';
import { backupVerify } from './backup-verify.ts';
import { dataArchive } from './data-archive.ts';
import { dataDedupe } from './data-dedupe.ts';
import { dataPurge, logsCleanup } from './data-purge.ts';
import { httpCheck } from './http-check.ts';
import { httpRequest } from './http-request.ts';
import { notify } from './notify.ts';
import { postgresBackup } from './postgres-backup.ts';
import { postgresMaintain } from './postgres-maintain.ts';
import { postgresMigrate } from './postgres-migrate.ts';
import { postgresRestore } from './postgres-restore.ts';
import { sqlCheck } from './sql-check.ts';
import { sqlExec } from './sql-exec.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { trainingAssignStep } from './training-assign.ts';

/** The step activities, registered under the `uses` names of runbooks/catalog.ts. */
export function createStepActivities(deps: ActivityDeps & { workflows?: WorkflowClient }) {
	return {
		'postgres.backup': (ctx: StepContext, params: unknown) => postgresBackup(deps, ctx, params),
		'backup.verify': (ctx: StepContext, params: unknown) => backupVerify(deps, ctx, params),
		'backup.prune': (ctx: StepContext, params: unknown) => backupPrune(deps, ctx, params),
		'postgres.restore': (ctx: StepContext, params: unknown) => postgresRestore(deps, ctx, params),
		'http.check': (ctx: StepContext, params: unknown) => httpCheck(deps, ctx, params),
		'http.request': (ctx: StepContext, params: unknown) => httpRequest(deps, ctx, params),
		'data.dedupe': (ctx: StepContext, params: unknown) => dataDedupe(deps, ctx, params),
		'data.purge': (ctx: StepContext, params: unknown) => dataPurge(deps, ctx, params),
		'data.archive': (ctx: StepContext, params: unknown) => dataArchive(deps, ctx, params),
		'logs.cleanup': (ctx: StepContext, params: unknown) => logsCleanup(deps, ctx, params),
		'postgres.maintain': (ctx: StepContext, params: unknown) => postgresMaintain(deps, ctx, params),
		'postgres.migrate': (ctx: StepContext, params: unknown) => postgresMigrate(deps, ctx, params),
		'sql.check': (ctx: StepContext, params: unknown) => sqlCheck(deps, ctx, params),
		'sql.exec': (ctx: StepContext, params: unknown) => sqlExec(deps, ctx, params),
		notify: (ctx: StepContext, params: unknown) => notify(deps, ctx, params),
		'training.assign': (ctx: StepContext, params: unknown) => trainingAssignStep(deps, ctx, params)
	};
}
