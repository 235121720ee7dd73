import { asc } from 'drizzle-orm';
import { targets } from '../../../../db/schema/index.ts';
import { stepWithJsonSchema } from '../../../../runbooks/json-schema.ts';
import { STEP_FACTS } from '../../../../runbooks/step-facts.ts';
import { windowNames } from '../../../../shared/window-store.ts';
import type { StepTypeInfo } from '../builder/types.ts';
import { STARTER_SOURCE, STARTER_TEMPLATE, summarize, type TemplateSummary } from '../builder/template.ts';
import { getDb } from './db.ts';

/** What every builder page loads besides the runbook: the step catalog and the names a runbook may refer to. */

let stepTypes: StepTypeInfo[] | undefined;

/** The catalog with each step type's `with` schema; generated once, it never changes while the app runs. */
export function builderStepTypes(): StepTypeInfo[] {
	stepTypes ??= STEP_FACTS.map((facts) => ({ ...facts, withSchema: stepWithJsonSchema(facts.uses) ?? {} }));
	return stepTypes;
}

export async function builderContext() {
	const db = getDb();
	const [windows, registered] = await Promise.all([windowNames(db), db.select({ name: targets.name }).from(targets).orderBy(asc(targets.name))]);
	return { stepTypes: builderStepTypes(), targets: registered.map((t) => t.name), windows };
}

// The built-in runbooks (runbooks/*.yaml) are bundled at build time: the gallery needs no files at run time.
const builtInFiles = import.meta.glob<string>('../../../../runbooks/*.yaml', { query: '?raw', import: 'default', eager: true });

const TEMPLATES: ReadonlyMap<string, string> = new Map([
	[STARTER_TEMPLATE, STARTER_SOURCE],
	...Object.entries(builtInFiles)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([path, source]) => [/([^/]+)\.yaml$/.exec(path)![1], source] as [string, string])
]);

export function templateSummaries(): TemplateSummary[] {
	return [...TEMPLATES].map(([id, source]) => summarize(id, source));
}

export function templateSource(id: string): string | undefined {
	return TEMPLATES.get(id);
}
