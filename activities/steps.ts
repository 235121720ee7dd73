import { backupVerify } from './backup-verify.ts';
import { notify } from './notify.ts';
import { postgresBackup } from './postgres-backup.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

/** The step activities, registered under the `uses` names of runbooks/catalog.ts. */
export function createStepActivities(deps: ActivityDeps) {
	return {
		'postgres.backup': (ctx: StepContext, params: unknown) => postgresBackup(deps, ctx, params),
		'backup.verify': (ctx: StepContext, params: unknown) => backupVerify(deps, ctx, params),
		notify: (ctx: StepContext, params: unknown) => notify(deps, ctx, params)
	};
}
