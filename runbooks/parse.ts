import type { z } from 'zod';
import { describeIssues } from './issues.ts';
import { runbookSchema, type RunbookDocument } from './schema.ts';
import { parseSource, type Finding, type ParsedSource, type Path } from './source.ts';
import { suggestion } from './suggest.ts';
import { targetSchema, type TargetDocument } from './target-schema.ts';
import { validateRunbook, type RunbookContext } from './validate-runbook.ts';
import { validateTarget, type TargetContext } from './validate-target.ts';
import { trainingModuleSchema, type TrainingModuleDocument } from './training-schema.ts';
import { windowSchema, type WindowDocument } from './window-schema.ts';
import { drillSchema, type DrillDocument } from './drill-schema.ts';

export type { RunbookContext } from './validate-runbook.ts';
export type { TargetContext } from './validate-target.ts';

/** One problem a user can act on: where it is (path, and line/column when the source has them) and what is wrong. */
export interface DocumentError {
	path: string;
	line?: number;
	column?: number;
	message: string;
}

/** A problem found in a source text: it always has a line and column (1-based). */
export interface SourceError extends DocumentError {
	line: number;
	column: number;
}

export type ParseResult<T> = { ok: true; document: T } | { ok: false; errors: SourceError[] };

/** The path of a problem with the document as a whole (it is empty, or not a mapping). */
export const ROOT_PATH = '(root)';

export function formatPath(path: readonly PropertyKey[]): string {
	return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

export const DOCUMENT_KINDS = ['Runbook', 'Target', 'Window', 'Drill', 'TrainingModule'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
/** Kinds DESIGN §3 plans that this version cannot read yet. */
const PLANNED_KINDS = ['Survey', 'AccessReview', 'Monitor'];

export type TendDocument =
	| { kind: 'Runbook'; document: RunbookDocument }
	| { kind: 'Target'; document: TargetDocument }
	| { kind: 'Window'; document: WindowDocument }
	| { kind: 'Drill'; document: DrillDocument }
	| { kind: 'TrainingModule'; document: TrainingModuleDocument };

export type DocumentParseResult = ({ ok: true } & TendDocument) | { ok: false; errors: SourceError[] };

function located(source: ParsedSource, findings: readonly Finding[]): SourceError[] {
	const seen = new Set<string>();
	const errors: SourceError[] = [];
	for (const finding of findings) {
		const error = { path: formatPath(finding.path) || ROOT_PATH, ...source.locate(finding), message: finding.message };
		const key = `${error.path}\n${error.line}:${error.column}\n${error.message}`;
		if (seen.has(key)) continue;
		seen.add(key);
		errors.push(error);
	}
	return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** YAML syntax, then the document's shape: the two checks every kind shares. */
function readShape<T>(source: ParsedSource, schema: z.ZodType<T>): { ok: true; document: T } | { ok: false; findings: Finding[] } {
	const shape = documentShape(source);
	if (shape) return { ok: false, findings: shape };
	const parsed = schema.safeParse(source.value);
	if (!parsed.success) return { ok: false, findings: describeIssues(parsed.error.issues, schema, [], source.value) };
	return { ok: true, document: parsed.data };
}

function documentShape(source: ParsedSource): Finding[] | undefined {
	if (source.syntax.length) return source.syntax.map((s) => ({ path: s.path, message: s.message }));
	if (source.value === null || source.value === undefined) return [{ path: [], message: 'the document is empty: it needs apiVersion, kind, metadata and spec' }];
	if (typeof source.value !== 'object' || Array.isArray(source.value)) return [{ path: [], message: 'a document is a mapping with apiVersion, kind, metadata and spec' }];
	return undefined;
}

function syntaxErrors(source: ParsedSource): SourceError[] {
	return source.syntax.map((s) => ({ path: formatPath(s.path) || ROOT_PATH, line: s.position.line, column: s.position.column, message: s.message }));
}

function result<T>(source: ParsedSource, outcome: { ok: true; document: T } | { ok: false; findings: Finding[] }): ParseResult<T> {
	if (outcome.ok) return outcome;
	return { ok: false, errors: source.syntax.length ? syntaxErrors(source) : located(source, outcome.findings) };
}

/**
 * Parses and validates a Runbook (YAML or JSON). Targets and windows are checked against
 * `context` only when the caller says which exist.
 */
export function parseRunbook(source: string, context: RunbookContext = {}): ParseResult<RunbookDocument> {
	const parsed = parseSource(source);
	return result(parsed, checkRunbook(parsed, context));
}

function checkRunbook(parsed: ParsedSource, context: RunbookContext): { ok: true; document: RunbookDocument } | { ok: false; findings: Finding[] } {
	const shape = readShape(parsed, runbookSchema);
	if (!shape.ok) return shape;
	const findings = validateRunbook(shape.document, context);
	return findings.length ? { ok: false, findings } : shape;
}

/** Parses and validates a Target. Its `secret:` references are checked when the caller says which secrets exist. */
export function parseTarget(source: string, context: TargetContext = {}): ParseResult<TargetDocument> {
	const parsed = parseSource(source);
	const shape = readShape(parsed, targetSchema);
	if (!shape.ok) return result(parsed, shape);
	const findings = validateTarget(shape.document, context);
	return result(parsed, findings.length ? { ok: false, findings } : shape);
}

export function parseWindow(source: string): ParseResult<WindowDocument> {
	const parsed = parseSource(source);
	return result(parsed, readShape(parsed, windowSchema));
}

/** Parses and validates a Drill; whether its target and recovery runbook exist is checked where it is published. */
export function parseDrill(source: string): ParseResult<DrillDocument> {
	const parsed = parseSource(source);
	return result(parsed, readShape(parsed, drillSchema));
}

/** Parses and validates a TrainingModule. */
export function parseTrainingModule(source: string): ParseResult<TrainingModuleDocument> {
	const parsed = parseSource(source);
	return result(parsed, readShape(parsed, trainingModuleSchema));
}

/** Parses any document Tend reads, choosing the schema by its `kind`. */
export function parseDocument(source: string, context: RunbookContext = {}): DocumentParseResult {
	const parsed = parseSource(source);
	const shape = documentShape(parsed);
	if (shape) return { ok: false, errors: parsed.syntax.length ? syntaxErrors(parsed) : located(parsed, shape) };
	const kind = (parsed.value as Record<string, unknown>).kind;
	const kindProblem = (message: string): DocumentParseResult => ({ ok: false, errors: located(parsed, [{ path: ['kind'], message }]) });
	if (kind === undefined) return kindProblem(`"kind" is required: one of ${DOCUMENT_KINDS.join(', ')}`);
	if (typeof kind !== 'string') return kindProblem(`must be one of: ${DOCUMENT_KINDS.join(', ')}`);
	switch (kind) {
		case 'Runbook': {
			const outcome = result(parsed, checkRunbook(parsed, context));
			return outcome.ok ? { ok: true, kind, document: outcome.document } : outcome;
		}
		case 'Target': {
			const outcome = result(parsed, readShape(parsed, targetSchema));
			return outcome.ok ? { ok: true, kind, document: outcome.document } : outcome;
		}
		case 'Window': {
			const outcome = result(parsed, readShape(parsed, windowSchema));
			return outcome.ok ? { ok: true, kind, document: outcome.document } : outcome;
		}
		case 'Drill': {
			const outcome = result(parsed, readShape(parsed, drillSchema));
			return outcome.ok ? { ok: true, kind, document: outcome.document } : outcome;
		}
		case 'TrainingModule': {
			const outcome = result(parsed, readShape(parsed, trainingModuleSchema));
			return outcome.ok ? { ok: true, kind, document: outcome.document } : outcome;
		}
		default:
			if (PLANNED_KINDS.includes(kind)) return kindProblem(`kind "${kind}" is not supported yet; this version reads ${DOCUMENT_KINDS.join(', ')}`);
			return kindProblem(`unknown kind "${kind}"${suggestion(kind, DOCUMENT_KINDS, 'kinds')}`);
	}
}

/** The problems the document schema cannot see, with paths as lists (kept for callers of v1). */
export function semanticErrors(runbook: RunbookDocument, context: RunbookContext = {}): Array<{ path: Path; message: string }> {
	return validateRunbook(runbook, context).map(({ path, message }) => ({ path, message }));
}
