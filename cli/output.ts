/** Where commands write: results to stdout, problems to stderr. Kept apart so tests and pipes see each. */
export interface Output {
	line(text: string): void;
	error(text: string): void;
}

export const processOutput: Output = {
	line: (text) => process.stdout.write(`${text}\n`),
	error: (text) => process.stderr.write(`${text}\n`)
};

/** The user typed the command wrong: exit 2 with the message and a pointer to `tend help`. */
export class UsageError extends Error {
	override name = 'UsageError';
}

/** Left-aligned columns, two spaces apart, for listings. */
export function table(headers: string[], rows: string[][]): string[] {
	const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
	const format = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
	return [format(headers), ...rows.map(format)];
}

/** "2026-05-01 14:03" in the viewer's time zone (DESIGN §6), or "—". */
export function localTime(iso: string | null | undefined): string {
	if (!iso) return '—';
	const date = new Date(iso);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** `key=value` pairs from repeated `--input` options; the value may itself hold `=`. */
export function parseInputs(pairs: string[] | undefined): Record<string, string> {
	// fromEntries defines own keys: `__proto__=x` is sent, and the server names it, instead of vanishing here.
	return Object.fromEntries(
		(pairs ?? []).map((pair) => {
			const at = pair.indexOf('=');
			if (at < 1) throw new UsageError(`--input takes key=value, not "${pair}"`);
			return [pair.slice(0, at), pair.slice(at + 1)];
		})
	);
}
