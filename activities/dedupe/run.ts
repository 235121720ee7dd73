import pg from 'pg';
import { extensionSchema, findReferences, tableShape, type TableShape } from './catalog.ts';
import { createWorkTables, detect, examples, type DetectOptions } from './detect.ts';
import { merge } from './merge.ts';
import { EXAMPLE_GROUPS, type DedupeOutputs } from './outputs.ts';
import { mergeToUndo, type DedupeParams, type RunStep } from './params.ts';
import { noHooks, withDedupeSession, type DedupeHooks } from './session.ts';
import { unmerge } from './unmerge.ts';

/**
 * `data.dedupe` on one database: a dry run, a merge or an unmerge of the table `params` names.
 * `key` is the run and step doing it; an unmerge undoes the merge `mergeToUndo` names.
 */
export async function runDedupe(url: string, key: RunStep, params: DedupeParams, hooks: DedupeHooks = noHooks): Promise<DedupeOutputs> {
	return withDedupeSession(url, async (client) => {
		const shape = await tableShape(client, params);
		if (params.mode === 'unmerge') return unmerge(client, shape, mergeToUndo(key, params), params, hooks);
		const options = await detectOptions(client, params);
		if (params.mode === 'merge') return merge(client, shape, key, params, options, hooks);
		return dryRun(client, shape, params, options, hooks);
	});
}

async function detectOptions(client: pg.Client, params: DedupeParams): Promise<DetectOptions> {
	const needed = params.keys.includes('name');
	const trigram = needed ? await extensionSchema(client, 'pg_trgm') : { schema: null };
	const unaccent = needed ? await extensionSchema(client, 'unaccent') : { schema: null };
	const notes = [
		...(needed && !trigram.schema ? [`pg_trgm could not be used (${trigram.reason}), so names were matched exactly (after normalising), not by similarity`] : []),
		...(needed && !unaccent.schema ? [`unaccent could not be used (${unaccent.reason}), so accents were removed with translate()`] : [])
	];
	return { ...params, trigramSchema: trigram.schema, unaccentSchema: unaccent.schema, notes };
}

/**
 * Finds the groups inside a read-only transaction, so PostgreSQL itself guarantees the dry run
 * writes nothing (only its own temporary tables). The references a merge would re-point are
 * checked too, so a merge that could not proceed fails here, before anyone approves it.
 */
async function dryRun(client: pg.Client, shape: TableShape, params: DedupeParams, options: DetectOptions, hooks: DedupeHooks): Promise<DedupeOutputs> {
	const references = await findReferences(client, shape, params.references);
	await createWorkTables(client, shape);
	hooks.progress({ phase: 'finding duplicates' });
	await client.query('begin isolation level repeatable read read only');
	try {
		const found = await detect(client, shape, options, hooks.checkCancelled);
		const shown = await examples(client, shape, EXAMPLE_GROUPS);
		await client.query('commit');
		const notes = [...found.notes];
		if (references.length) notes.push(`a merge would re-point ${references.map((r) => `${r.table}.${r.column.name}`).join(', ')}`);
		return {
			groups: found.groups,
			duplicates: found.duplicates,
			merged: 0,
			restored: 0,
			report: {
				mode: 'dry-run',
				table: shape.sql,
				keys: params.keys,
				similarity: params.similarity,
				trigram: options.trigramSchema !== null,
				unaccent: options.unaccentSchema !== null,
				groups: found.groups,
				duplicates: found.duplicates,
				examples: shown,
				notes
			}
		};
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	}
}
