import { fail, redirect, type ActionFailure } from '@sveltejs/kit';
import { hasRole, RUNBOOK_READERS, SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { newScheduleSchema } from '../../../../shared/schedule-spec.ts';
import { createSchedule, deleteSchedule, listSchedules, ScheduleInputError, ScheduleMissingError, setSchedulePaused, triggerSchedule } from '$lib/server/schedules.ts';
import { RunbookNotFoundError, RunInputError, TemporalUnavailableError } from '$lib/server/runs.ts';
import { listRunbookTitles } from '$lib/server/views/runbooks.ts';
import type { Actions, PageServerLoad } from './$types';

type Field = 'runbook' | 'when' | 'timezone' | 'inputs' | 'note';

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');

/** A body path (`cron`, `inputs.release`) → the form field that shows its error. */
function fieldOf(path: string): Field | null {
	const head = path.split(/[.[]/)[0];
	if (head === 'cron' || head === 'every') return 'when';
	return (['runbook', 'timezone', 'inputs', 'note'] as const).find((f) => f === head) ?? null;
}

/** `key=value` lines, as in the CLI's --input; blank lines are skipped. */
function parseInputLines(text: string): { inputs: Record<string, string>; error?: string; line?: number } {
	const pairs: Array<[string, string]> = [];
	for (const [index, raw] of text.split('\n').entries()) {
		const line = raw.trim();
		if (!line) continue;
		const at = line.indexOf('=');
		if (at < 1) return { inputs: Object.fromEntries(pairs), error: `Line ${index + 1}: write each input as name=value.`, line: index + 1 };
		pairs.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
	}
	// fromEntries defines own keys, so `__proto__=x` reaches the unknown-input check instead of vanishing.
	return { inputs: Object.fromEntries(pairs) };
}

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	const user = requireRole(locals, ...RUNBOOK_READERS);
	const created = url.searchParams.get('created');
	const [schedules, runbooks] = await Promise.all([listSchedules(created ? [created] : []), listRunbookTitles()]);
	return { schedules, runbooks, canManage: hasRole(user, ...SCHEDULE_MANAGERS), created, triggered: url.searchParams.get('triggered') };
}) satisfies PageServerLoad;

/** Runs a row's action on the schedule its form names (`work` ends in a redirect); a vanished schedule is a 404, not a crash. */
async function onSchedule(form: FormData, work: (id: string) => Promise<never>): Promise<ActionFailure<{ rowError: string; missing: string }>> {
	const id = String(form.get('id') ?? '');
	try {
		return await work(id);
	} catch (error) {
		if (error instanceof ScheduleMissingError) return fail(404, { rowError: `Schedule ${id} no longer exists.`, missing: id });
		throw error;
	}
}

export const actions = {
	create: async ({ locals, request }) => {
		const user = requireRole(locals, ...SCHEDULE_MANAGERS);
		const form = await request.formData();
		const values = {
			runbook: String(form.get('runbook') ?? ''),
			kind: form.get('kind') === 'cron' ? ('cron' as const) : ('every' as const),
			every: String(form.get('every') ?? '').trim(),
			cron: String(form.get('cron') ?? '').trim(),
			timezone: String(form.get('timezone') ?? '').trim() || 'UTC',
			inputs: String(form.get('inputs') ?? ''),
			paused: form.get('paused') === 'on',
			note: String(form.get('note') ?? '').trim()
		};
		const lines = parseInputLines(values.inputs);
		if (lines.error) return fail(400, { values, errors: { inputs: lines.error } as Partial<Record<Field, string>>, inputLine: lines.line });
		const parsed = newScheduleSchema.safeParse({
			runbook: values.runbook,
			...(values.kind === 'cron' ? { cron: values.cron } : { every: values.every }),
			timezone: values.timezone,
			inputs: lines.inputs,
			paused: values.paused,
			...(values.note ? { note: values.note } : {})
		});
		const errors: Partial<Record<Field, string>> = {};
		const collect = (issues: Array<{ path: string; message: string }>) => {
			for (const issue of issues) {
				const field = fieldOf(issue.path);
				if (field) errors[field] ??= sentence(issue.message);
			}
		};
		if (!parsed.success) {
			collect(parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })));
			return fail(400, { values, errors });
		}
		let id: string;
		try {
			id = (await createSchedule(parsed.data, user)).id;
		} catch (error) {
			if (!(error instanceof ScheduleInputError)) throw error;
			collect(error.errors);
			return fail(422, { values, errors });
		}
		throw redirect(303, `/schedules?created=${encodeURIComponent(id)}`);
	},

	pause: async ({ locals, request }) => {
		const user = requireRole(locals, ...SCHEDULE_MANAGERS);
		const form = await request.formData();
		return onSchedule(form, async (id) => {
			await setSchedulePaused(id, form.get('paused') === 'true', undefined, user);
			throw redirect(303, '/schedules');
		});
	},

	trigger: async ({ locals, request }) => {
		const user = requireRole(locals, ...SCHEDULE_MANAGERS);
		const form = await request.formData();
		try {
			return await onSchedule(form, async (id) => {
				await triggerSchedule(id, user);
				throw redirect(303, `/schedules?triggered=${encodeURIComponent(id)}`);
			});
		} catch (error) {
			// The runbook went away, or its current version no longer takes the schedule's inputs, or Temporal is down.
			if (error instanceof RunbookNotFoundError || error instanceof RunInputError || error instanceof TemporalUnavailableError) {
				return fail(error instanceof TemporalUnavailableError ? 503 : 422, { rowError: `The run did not start: ${error.message}`, missing: '' });
			}
			throw error;
		}
	},

	delete: async ({ locals, request }) => {
		const user = requireRole(locals, ...SCHEDULE_MANAGERS);
		const form = await request.formData();
		return onSchedule(form, async (id) => {
			await deleteSchedule(id, user);
			throw redirect(303, '/schedules');
		});
	}
} satisfies Actions;
