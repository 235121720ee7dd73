import type { Example } from './detect.ts';
import type { DedupeKey, DedupeParams } from './params.ts';

/** What the approver and the run page read: DESIGN §4's counts, and the evidence behind them. */
export interface DedupeReport {
	mode: DedupeParams['mode'];
	table: string;
	keys: DedupeKey[];
	similarity: number;
	/** False when pg_trgm could not be had: names then match only exactly. */
	trigram: boolean;
	unaccent: boolean;
	groups: number;
	duplicates: number;
	/** The first groups (at most 20), survivor first. */
	examples: Example[];
	notes: string[];
	/** Merge: the columns re-pointed, and how many rows each. */
	repointed?: Record<string, number>;
	merged?: number;
	/** Merge: duplicates left alone because their row or their survivor was gone by then. */
	skipped?: number;
	/** Merge: groups found beyond with.maxGroups, left for a later run. */
	remaining?: number;
	restored?: number;
}

export interface DedupeOutputs extends Record<string, unknown> {
	groups: number;
	duplicates: number;
	merged: number;
	restored: number;
	report: DedupeReport;
}

export const EXAMPLE_GROUPS = 20;
