/** Durations as written in runbooks: `500ms`, `10s`, `30m`, `4h`, `2d`, or a number of milliseconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export function parseDuration(value: string | number): number {
	if (typeof value === 'number') return value;
	const match = DURATION_PATTERN.exec(value.trim());
	if (!match) throw new Error(`"${value}" is not a duration (use e.g. 500ms, 10s, 30m, 4h, 2d)`);
	return Math.round(Number(match[1]) * UNITS[match[2]]);
}
