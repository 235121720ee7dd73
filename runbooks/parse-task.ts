import { answerDryRun, type DryRunAnswer, type DryRunRequest } from './dry-run-request.ts';
import { parseDrill, parseRunbook, parseTarget, parseTrainingModule, parseWindow, type ParseResult, type RunbookContext, type TargetContext } from './parse.ts';
import type { RunbookDocument } from './schema.ts';
import type { TargetDocument } from './target-schema.ts';
import type { TrainingModuleDocument } from './training-schema.ts';
import type { WindowDocument } from './window-schema.ts';
import type { DrillDocument } from './drill-schema.ts';

/**
 * The parses a request can ask for, as one function a worker thread runs (web/src/lib/server/
 * parse-pool.ts): everything in and out is plain data, so it crosses threads by structured clone.
 */
export type ParseTask =
	| { kind: 'runbook'; source: string; context?: RunbookContext }
	| { kind: 'target'; source: string; context?: TargetContext }
	| { kind: 'window'; source: string }
	| { kind: 'drill'; source: string }
	| { kind: 'training-module'; source: string }
	| { kind: 'dry-run'; request: DryRunRequest };

export interface ParseTaskResults {
	runbook: ParseResult<RunbookDocument>;
	target: ParseResult<TargetDocument>;
	window: ParseResult<WindowDocument>;
	drill: ParseResult<DrillDocument>;
	'training-module': ParseResult<TrainingModuleDocument>;
	'dry-run': DryRunAnswer;
}

export function runParseTask(task: ParseTask): ParseTaskResults[ParseTask['kind']] {
	switch (task.kind) {
		case 'runbook':
			return parseRunbook(task.source, task.context);
		case 'target':
			return parseTarget(task.source, task.context);
		case 'window':
			return parseWindow(task.source);
		case 'drill':
			return parseDrill(task.source);
		case 'training-module':
			return parseTrainingModule(task.source);
		case 'dry-run':
			return answerDryRun(task.request);
	}
}
