import { parseDuration } from '../../runbooks/duration.ts';
import { resolveExpressions, type ExpressionContext } from '../../runbooks/expressions.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { formatMs, invalid } from './failures.ts';
import { windows } from './local-activities.ts';
import type { RunContext } from './run-context.ts';

/** `wait`: a duration, an instant, or the next opening of a window — all durable timers. */
export async function runWait(run: RunContext, step: RunbookStep, scope: ExpressionContext): Promise<Record<string, unknown>> {
	const { state, control, targetName } = run;
	const w = resolveExpressions(step.with, scope) as { duration?: unknown; until?: unknown; window?: unknown };
	const since = Date.now();
	if (w.duration !== undefined) {
		const ms = parseDuration(w.duration as string);
		state.waiting(step.id, 'step.waiting', { reason: 'duration', duration: formatMs(ms) });
		await control.pause(ms);
	} else if (w.until !== undefined) {
		const until = typeof w.until === 'string' ? Date.parse(w.until) : NaN;
		if (Number.isNaN(until)) throw invalid(`step ${step.id}: with.until must be a time with its offset, such as 2026-01-10T22:00:00Z`);
		state.waiting(step.id, 'step.waiting', { reason: 'until', until: new Date(until).toISOString() });
		if (until > Date.now()) await control.pause(until - Date.now());
	} else {
		const window = w.window;
		if (typeof window !== 'string') throw invalid(`step ${step.id}: a wait takes one of duration, until or window`);
		for (;;) {
			const check = await state.local(() => windows['windows.check']({ window, ...(targetName ? { target: targetName } : {}), at: new Date().toISOString() }));
			if (!check.maintenance || check.maintenance.open || !check.maintenance.opensAt) break;
			state.waiting(step.id, 'step.waiting', { reason: 'window', window, opensAt: check.maintenance.opensAt });
			await control.pause(Date.parse(check.maintenance.opensAt) - Date.now());
		}
	}
	return { waitedMs: Date.now() - since };
}
