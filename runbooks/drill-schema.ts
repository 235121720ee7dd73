import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.ts';
import { FAULT_WITH_SCHEMAS, type FaultType } from './drill-faults.ts';
import { KEY_PATTERN, metadataSchema, resourceName } from './fields.ts';

/**
 * A Drill (DESIGN §5, issue 13): rehearse the recovery of a target's database on a scratch copy.
 * The scenario is a fault of the catalogue (runbooks/drill-faults.ts), the recovery is a published
 * runbook run as a child against the scratch copy, verification compares every table with the
 * state before the fault, and the objectives score the responders.
 */
const durationText = (max: number, example: string) =>
	z
		.string()
		.regex(DURATION_PATTERN, `must be a duration such as ${example}`)
		.refine((d) => !DURATION_PATTERN.test(d) || (parseDuration(d) > 0 && parseDuration(d) <= max), `must be longer than 0 and at most ${max / 86_400_000}d`);

const DAY = 86_400_000;
// eslint-disable-next-line no-control-regex -- NUL is refused here so the published schema says what the parser refuses
const PRINCIPAL = /^(role|user):[^\s:\u0000]+$/;
const responder = z.string().regex(PRINCIPAL, 'must be role:NAME or user:USERNAME');

const scenarioOf = <F extends FaultType>(fault: F) => z.strictObject({ fault: z.literal(fault), with: FAULT_WITH_SCHEMAS[fault], description: z.string().max(2000).optional() });
const scenario = z.discriminatedUnion('fault', [scenarioOf('table.drop'), scenarioOf('rows.delete'), scenarioOf('column.corrupt'), scenarioOf('database.drop'), scenarioOf('role.revoke')]);

export const drillSchema = z.strictObject({
	apiVersion: z.literal('tend/v1'),
	kind: z.literal('Drill'),
	metadata: metadataSchema,
	spec: z.strictObject({
		target: resourceName.describe('the target whose database is rehearsed (only ever a scratch copy of it)'),
		database: z.string().regex(KEY_PATTERN, 'must name a database of the target').default('main'),
		scenario,
		recovery: z.strictObject({
			runbook: resourceName.describe('the published recovery runbook, run as a child against the scratch copy'),
			inputs: z.record(z.string(), z.unknown()).default({}),
			/** `drill`: the drill starts the recovery once acknowledged; `responder`: the responder presses Start recovery. */
			start: z.enum(['drill', 'responder']).default('drill')
		}),
		verify: z
			.strictObject({
				/** Tables whose rows may change without counting as lost (logs, sessions). */
				ignoreTables: z.array(z.string()).default([])
			})
			.default({ ignoreTables: [] }),
		objectives: z.strictObject({
			acknowledge: durationText(DAY, '15m'),
			rto: durationText(7 * DAY, '1h'),
			/** How old the data recovered may be (the backup's age at the fault). */
			rpo: durationText(365 * DAY, '24h'),
			/** Rows that may be lost over all tables; anything beyond fails the drill. */
			rowsLost: z.number().int().min(0).default(0)
		}),
		responders: z
			.array(z.union([responder, z.array(responder).min(1)]))
			.min(1, 'name at least one responder')
			.describe('who is paged, in escalation order: each entry (a principal or a list) is one level'),
		escalateAfter: durationText(DAY, '10m').default('10m'),
		maxDuration: durationText(7 * DAY, '4h').default('4h'),
		/** Keep the scratch copy this long after the drill (for a look at it); torn down at once by default. */
		keepScratch: durationText(7 * DAY, '2h').optional(),
		schedule: z
			.strictObject({
				cron: z.string().min(1).max(200),
				timezone: z.string().default('UTC'),
				announced: z.boolean().default(true)
			})
			.optional()
	})
});

export type DrillDocument = z.infer<typeof drillSchema>;

/** The escalation levels of a drill: each a list of principals. */
export const responderLevels = (doc: DrillDocument): string[][] => doc.spec.responders.map((r) => (Array.isArray(r) ? r : [r]));
