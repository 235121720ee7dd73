/** The data an expression can read, and the names at its top level. */

export interface ExpressionContext {
	inputs: Record<string, unknown>;
	steps: Record<string, { outputs: Record<string, unknown> }>;
	target: Record<string, unknown>;
	run: Record<string, unknown>;
	/** The element a `forEach` step is working on. */
	item?: unknown;
}

export const ROOTS = ['inputs', 'steps', 'target', 'run', 'item'] as const;
export type Root = (typeof ROOTS)[number];

/** What the interpreter puts under `target` and `run`; validation refuses other names there. */
export const CONTEXT_FIELDS = {
	target: ['name', 'title', 'urls'],
	run: ['id', 'runbook', 'version', 'initiator', 'status', 'error']
} as const;
