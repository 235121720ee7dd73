/** "Did you mean …?" for names a user typed: step types, step ids, inputs, outputs, fields. */

/** Edit distance where swapping two neighbouring letters counts as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
	const rows = a.length + 1;
	const cols = b.length + 1;
	const d: number[] = new Array(rows * cols).fill(0);
	for (let i = 0; i < rows; i++) d[i * cols] = i;
	for (let j = 0; j < cols; j++) d[j] = j;
	for (let i = 1; i < rows; i++) {
		for (let j = 1; j < cols; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let best = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
			d[i * cols + j] = best;
		}
	}
	return d[rows * cols - 1];
}

/**
 * Up to `limit` candidates, closest first. A name that matches the part after a dot (`backup`
 * for `postgres.backup`) or contains the typed text counts as close.
 */
export function closest(name: string, candidates: Iterable<string>, limit = 3): string[] {
	const typed = name.toLowerCase();
	const scored = [...new Set(candidates)].map((candidate) => {
		const lower = candidate.toLowerCase();
		const tail = lower.slice(lower.lastIndexOf('.') + 1);
		let score = Math.min(editDistance(typed, lower), editDistance(typed, tail) + 1);
		if (typed.length >= 3 && (lower.includes(typed) || typed.includes(lower))) score = Math.min(score, 1);
		return { candidate, score };
	});
	return scored
		.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate, 'en'))
		.slice(0, limit)
		.map((s) => s.candidate);
}

/** `; did you mean "x"?` when one candidate is clearly close, else the closest few, else nothing. */
export function suggestion(name: string, candidates: Iterable<string>, noun = 'known'): string {
	const list = [...new Set(candidates)];
	if (!list.length) return '';
	const near = closest(name, list);
	const best = near[0];
	const threshold = Math.max(2, Math.floor(name.length / 3));
	if (editDistance(name.toLowerCase(), best.toLowerCase()) <= threshold && (near.length < 2 || editDistance(name.toLowerCase(), near[1].toLowerCase()) > editDistance(name.toLowerCase(), best.toLowerCase())))
		return `; did you mean "${best}"?`;
	return `; ${noun}: ${(list.length <= 6 ? list : near).join(', ')}${list.length > 6 ? ', …' : ''}`;
}
