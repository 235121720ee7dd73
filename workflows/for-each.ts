/**
 * A `forEach` step's blast-radius limits (DESIGN §3): at most `maxConcurrency` items at once, and
 * once more than `maxErrors` items have failed no further item starts (those already running
 * finish). Pure scheduling over promises, so it runs identically inside a workflow on replay.
 */
export interface ItemOutcome {
	index: number;
	status: 'succeeded' | 'failed' | 'skipped';
	outputs?: Record<string, unknown>;
	error?: string;
}

export interface ForEachSummary {
	outcomes: ItemOutcome[];
	succeeded: number;
	failed: number;
	skipped: number;
	/** True when more items failed than maxErrors allows: the step fails. */
	exceeded: boolean;
}

export async function forEachItem(
	count: number,
	limits: { maxConcurrency: number; maxErrors: number },
	run: (index: number) => Promise<Record<string, unknown>>,
	describe: (error: unknown) => string,
	onSettled: (outcome: ItemOutcome) => void = () => {},
	/** Which errors are an item's failure; any other (a cancellation, a bug) ends the whole step at once. */
	isItemFailure: (error: unknown) => boolean = () => true
): Promise<ForEachSummary> {
	const outcomes: ItemOutcome[] = Array.from({ length: count }, (_, index) => ({ index, status: 'skipped' }));
	let next = 0;
	let failed = 0;
	const exceeded = () => failed > limits.maxErrors;

	async function lane(): Promise<void> {
		while (next < count && !exceeded()) {
			const index = next++;
			try {
				outcomes[index] = { index, status: 'succeeded', outputs: await run(index) };
			} catch (error) {
				if (!isItemFailure(error)) throw error;
				failed++;
				outcomes[index] = { index, status: 'failed', error: describe(error) };
			}
			onSettled(outcomes[index]);
		}
	}

	await Promise.all(Array.from({ length: Math.min(limits.maxConcurrency, count) }, lane));
	const succeeded = outcomes.filter((o) => o.status === 'succeeded').length;
	return { outcomes, succeeded, failed, skipped: count - succeeded - failed, exceeded: exceeded() };
}
