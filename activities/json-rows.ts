/**
 * Query results made safe to hand to a workflow: step outputs travel as JSON through Temporal
 * and into run history, so dates become ISO strings, bytea becomes `\x…` hex, and long text is
 * cut (an output is evidence for people and expressions, not a data export).
 */
export const MAX_ROWS = 100;
const MAX_TEXT = 2000;

export function jsonSafe(value: unknown): unknown {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
	if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
	if (typeof value === 'boolean') return value;
	if (typeof value === 'bigint') return value.toString();
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
	if (Buffer.isBuffer(value)) return jsonSafe(`\\x${value.toString('hex')}`);
	if (Array.isArray(value)) return value.map(jsonSafe);
	if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
	return String(value);
}

export function jsonSafeRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
	return rows.slice(0, MAX_ROWS).map((row) => jsonSafe(row) as Record<string, unknown>);
}
