import type { Db } from '../db/client.ts';
import type { Config } from '../shared/config.ts';

/** What the workflow tells every step activity about where it runs. */
export interface StepContext {
	runId: string;
	stepId: string;
	/** The runbook's target name, empty when the runbook names none. */
	target: string;
	/** Engine v2: which attempt of the step this is. The workflow keeps the step's record; the activity does no bookkeeping. */
	attempt?: number;
	/** Engine v1, for a whole step (not a forEach item or a compensation): the activity records the step's success itself. */
	record?: boolean;
}

/** What step activities are built with: the app database and the worker's configuration. */
export interface ActivityDeps {
	db: Db;
	config: Config;
}
