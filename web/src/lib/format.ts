/** Display helpers shared by server and browser; locale-specific date formatting lives in Time.svelte. */

export function formatBytes(bytes: number | null | undefined): string {
	if (bytes == null || !Number.isFinite(bytes)) return '—';
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number | null | undefined): string {
	if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const seconds = ms / 1000;
	if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
	const hours = Math.floor(minutes / 60);
	if (hours < 48) return `${hours} h ${minutes % 60} min`;
	return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Milliseconds between two ISO timestamps, or null while either is missing. */
export function durationBetween(start: string | Date | null | undefined, end: string | Date | null | undefined): number | null {
	if (!start || !end) return null;
	return new Date(end).getTime() - new Date(start).getTime();
}

/** How old something is, coarsely, for freshness at a glance; the words come from the `age.*` messages. */
export function ageParts(ms: number): { unit: 'justNow' | 'minutes' | 'hours' | 'days'; count: number } {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 60) return { unit: 'justNow', count: 0 };
	const m = Math.floor(s / 60);
	if (m < 60) return { unit: 'minutes', count: m };
	const h = Math.floor(m / 60);
	if (h < 48) return { unit: 'hours', count: h };
	return { unit: 'days', count: Math.floor(h / 24) };
}

export function shortSha(sha: string | null | undefined, length = 12): string {
	return sha ? sha.slice(0, length) : '—';
}

/** A value from outputs or inputs as text: strings as they are, everything else as compact JSON. */
export function displayValue(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value === undefined) return '';
	return JSON.stringify(value);
}

export function humanize(status: string): string {
	return status.replaceAll('_', ' ');
}

/** A readable gloss for the unit a step output's name carries (`sizeBytes`, `restoreMs`, `backupAgeSeconds`), or null. */
export function outputHint(key: string, value: unknown): string | null {
	if (typeof value !== 'number') return null;
	if (/bytes$/i.test(key)) return formatBytes(value);
	if (/(^ms|Ms|_ms)$/.test(key)) return formatDuration(value);
	if (/seconds$/i.test(key)) return formatDuration(value * 1000);
	return null;
}

/** Long ids cut to `max` characters with an ellipsis; show the whole id in a title beside it. */
export function abbreviate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
