import { parseRunbook } from '../../../../runbooks/parse.ts';
import type { RunbookDocument } from '../../../../runbooks/schema.ts';
import { readGraph, type BuilderGraph, type ReadResult } from './model.ts';
import { readSettings, type RunbookSettings } from './settings.ts';
import { countByStep, nameProblem, toProblems, type Problem } from './validate.ts';

interface ReadingInput {
	source: string;
	/** The runbook's name as the page knows it; the YAML must keep it. */
	name: string;
	targets: readonly string[];
	windows: readonly string[];
}

/** The YAML is the one truth; everything the builder shows is read from it here, and follows it as it changes. */
export class RunbookReading {
	read: ReadResult;
	/** While the YAML cannot be read, the canvas keeps showing the last graph that could. */
	graph: BuilderGraph;
	editable: boolean;
	problems: Problem[];
	/** The checked runbook, null while it has problems. */
	runbook: RunbookDocument | null;
	errorsByStep: Record<string, number>;
	settings: RunbookSettings | null;
	/** The header keeps the last title it could read while the YAML is broken. */
	title: string;

	constructor(input: () => ReadingInput) {
		let lastGood: BuilderGraph = { steps: [], edges: [] };
		let lastTitle = input().name;
		const checked = $derived(parseRunbook(input().source, { targets: input().targets, windows: input().windows }));
		const renamed = $derived(nameProblem(input().source, input().name));

		this.read = $derived(readGraph(input().source));
		this.graph = $derived.by(() => {
			if (this.read.ok) lastGood = this.read.graph;
			return lastGood;
		});
		this.editable = $derived(this.read.ok);
		this.problems = $derived(toProblems([...(checked.ok ? [] : checked.errors), ...(renamed ? [renamed] : [])], this.graph));
		this.runbook = $derived(checked.ok && !renamed ? checked.document : null);
		this.errorsByStep = $derived(countByStep(this.problems));
		this.settings = $derived(readSettings(input().source));
		this.title = $derived.by(() => {
			if (this.settings) lastTitle = this.settings.title || input().name;
			return lastTitle;
		});
	}
}
