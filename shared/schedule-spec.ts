import type { ScheduleOptions, ScheduleOptionsStartWorkflowAction, ScheduleSpec } from '@temporalio/client';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../runbooks/duration.ts';
import { NAME_PATTERN } from '../runbooks/fields.ts';
import { givenInputsSchema } from '../runbooks/inputs.ts';
import { isTimeZone, TIME_ZONES } from '../runbooks/window-schema.ts';
import type { scheduledRun, ScheduledRunInput } from '../workflows/scheduled-run.ts';

/**
 * When a schedule fires, as people write it: a cron expression or an interval, in a time zone.
 * Kept as written (in the schedule's memo): Temporal answers a cron spec back as calendar
 * ranges, which nobody wants to read.
 */
export type ScheduleTiming = { cron: string; timezone: string } | { every: string; timezone: string };

const MIN_INTERVAL_MS = 60_000;
/** Five to seven fields of digits, names, `*`, ranges, lists and steps, or a shorthand such as `@daily`. */
const CRON_PATTERN = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9A-Za-z*?,/#-]+\s+){4,6}[0-9A-Za-z*?,/#-]+)$/;

/**
 * The one-minute floor, for cron as for intervals. Temporal reads seven fields as second, minute,
 * hour, day, month, weekday and year, so `* * * * * * *` fires every second; only one value in
 * the seconds field keeps it to once a minute. Five or six fields start at the minute.
 */
export function cronWithinFloor(cron: string): boolean {
	const fields = cron.trim().split(/\s+/);
	return fields.length < 7 || (/^\d{1,2}$/.test(fields[0]) && Number(fields[0]) < 60);
}

/** POST /api/v1/schedules and the schedules page's form. */
export const newScheduleSchema = z
	.strictObject({
		runbook: z.string().regex(NAME_PATTERN, 'must be a runbook name'),
		cron: z
			.string()
			.trim()
			.regex(CRON_PATTERN, { error: 'must be a cron expression such as "0 2 * * *" (minute hour day month weekday) or @daily', abort: true })
			.refine(cronWithinFloor, 'must fire at most once a minute: with seven fields the first is seconds, and it must be one value such as 0')
			.optional(),
		every: z
			.string()
			.trim()
			.regex(DURATION_PATTERN, 'must be an interval such as 30m, 1h or 1d')
			.refine((value) => !DURATION_PATTERN.test(value) || parseDuration(value) >= MIN_INTERVAL_MS, 'must be at least 1m')
			.optional(),
		timezone: z.string().trim().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC').meta({ enum: [...TIME_ZONES] }).default('UTC'),
		inputs: givenInputsSchema.default({}),
		paused: z.boolean().default(false),
		note: z.string().trim().max(500).optional()
	})
	.superRefine((body, ctx) => {
		if (body.cron === undefined && body.every === undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give cron or every' });
		if (body.cron !== undefined && body.every !== undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: 'give cron or every, not both' });
	})
	.meta({ oneOf: [{ required: ['cron'] }, { required: ['every'] }] });

export type NewSchedule = z.output<typeof newScheduleSchema>;

export function timingOf(body: NewSchedule): ScheduleTiming {
	return body.cron !== undefined ? { cron: body.cron, timezone: body.timezone } : { every: body.every ?? '1h', timezone: body.timezone };
}

/** The Temporal spec for a timing. */
export function temporalSpec(timing: ScheduleTiming): ScheduleSpec {
	return 'cron' in timing
		? { cronExpressions: [timing.cron], timezone: timing.timezone }
		: { intervals: [{ every: parseDuration(timing.every) }], timezone: timing.timezone };
}

/** Tend's schedule ids: the schedules page and API list only these. */
export const SCHEDULE_ID_PREFIX = 'sched-';
export const SCHEDULED_WORKFLOW_TYPE = 'scheduledRun';
/**
 * Firings missed while the server was down are made up only this far back: an hourly backup
 * should run once after an outage, not once for every hour it missed.
 */
const CATCHUP_WINDOW = '15m';

/** What Tend keeps in a schedule's memo besides Temporal's own state. */
export interface ScheduleMemo {
	runbook: string;
	inputs: Record<string, unknown>;
	timing: ScheduleTiming;
	createdBy: { id: string; username: string };
}

/**
 * A Temporal schedule that fires `scheduledRun` (a Tend run of the runbook's latest version, as
 * `createdBy`), for the schedules API and the built-in schedules installed at first start alike.
 */
export function scheduleOptions(args: { id: string; memo: ScheduleMemo; taskQueue: string; paused: boolean; note: string }): ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof scheduledRun>> {
	const { id, memo } = args;
	const action: ScheduledRunInput = { scheduleId: id, runbook: memo.runbook, inputs: memo.inputs, initiator: memo.createdBy };
	return {
		scheduleId: id,
		spec: temporalSpec(memo.timing),
		action: { type: 'startWorkflow', workflowType: SCHEDULED_WORKFLOW_TYPE, workflowId: id, taskQueue: args.taskQueue, args: [action] },
		policies: { catchupWindow: CATCHUP_WINDOW },
		memo: { tend: memo },
		state: { paused: args.paused, note: args.note }
	};
}
