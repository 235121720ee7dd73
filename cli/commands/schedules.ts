import type { Api } from '../api.ts';
import { localTime, table, UsageError, type Output } from '../output.ts';

interface ScheduleJson {
	id: string;
	runbook: string;
	spec: { cron?: string; every?: string; timezone: string };
	paused: boolean;
	note: string | null;
	nextRuns: string[];
	recentRuns: Array<{ runId?: string; at: string }>;
	createdBy: string;
}

const timing = (s: ScheduleJson) => (s.spec.cron ? `cron ${s.spec.cron}` : `every ${s.spec.every}`) + (s.spec.timezone === 'UTC' ? '' : ` (${s.spec.timezone})`);

function describe(schedule: ScheduleJson, out: Output): void {
	out.line(`${schedule.id}: ${schedule.runbook}, ${timing(schedule)}, ${schedule.paused ? 'paused' : 'active'}${schedule.note ? ` — ${schedule.note}` : ''}`);
	if (schedule.nextRuns.length) out.line(`  next: ${schedule.nextRuns.slice(0, 3).map(localTime).join(', ')}`);
}

export interface ScheduleOptions {
	cron?: string;
	every?: string;
	timezone?: string;
	inputs: Record<string, string>;
	paused: boolean;
	note?: string;
}

/** `tend schedules [list | create <runbook> | pause <id> | resume <id> | trigger <id> | delete <id>]`. */
export async function schedules(api: Api, action: string | undefined, args: string[], options: ScheduleOptions, out: Output): Promise<number> {
	const id = () => {
		if (!args[0]) throw new UsageError(`schedules ${action} needs a schedule id`);
		return encodeURIComponent(args[0]);
	};
	switch (action ?? 'list') {
		case 'list': {
			const { schedules: list } = await api.json<{ schedules: ScheduleJson[] }>('GET', '/schedules');
			if (!list.length) {
				out.line('no schedules');
				return 0;
			}
			const rows = list.map((s) => [s.id, s.runbook, timing(s), s.paused ? 'paused' : 'active', localTime(s.nextRuns[0]), localTime(s.recentRuns[0]?.at)]);
			for (const line of table(['SCHEDULE', 'RUNBOOK', 'WHEN', 'STATE', 'NEXT', 'LAST'], rows)) out.line(line);
			return 0;
		}
		case 'create': {
			if (!args[0]) throw new UsageError('schedules create needs a runbook name');
			const body = { runbook: args[0], cron: options.cron, every: options.every, timezone: options.timezone, inputs: options.inputs, paused: options.paused, note: options.note };
			describe(await api.json<ScheduleJson>('POST', '/schedules', body), out);
			return 0;
		}
		case 'pause':
		case 'resume':
			describe(await api.json<ScheduleJson>('POST', `/schedules/${id()}/pause`, { paused: action === 'pause', ...(options.note ? { note: options.note } : {}) }), out);
			return 0;
		case 'trigger':
			await api.json('POST', `/schedules/${id()}/trigger`);
			out.line(`triggered ${args[0]}: the run shows in \`tend runs\` in a moment`);
			return 0;
		case 'delete':
			await api.json('DELETE', `/schedules/${id()}`);
			out.line(`deleted ${args[0]}`);
			return 0;
		default:
			throw new UsageError(`unknown schedules action "${action}" (list, create, pause, resume, trigger, delete)`);
	}
}
