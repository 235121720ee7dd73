import { isAbsolute, join, normalize, sep } from 'node:path';
import { nonRetryable } from './failures.ts';

export type ArchiveDestination = { kind: 'schema'; schema?: string } | { kind: 'file'; path?: string };

/** `to` of data.archive: `schema`, `schema:NAME`, `file` or `file:PATH` (default `schema`). */
export function parseDestination(to: string | undefined): ArchiveDestination {
	const [kind, ...rest] = (to ?? 'schema').split(':');
	const value = rest.length ? rest.join(':') : undefined;
	if (kind === 'schema') return { kind, schema: value };
	if (kind === 'file') return { kind, path: value };
	throw nonRetryable('InvalidStepParams', `to "${to}" must be schema, schema:NAME, file or file:PATH`);
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * Where a file archive goes: `file:PATH` is a path inside the target's backup location (it may not
 * climb out of it), otherwise a name fixed by the run and step, so a retry rewrites the same file
 * rather than leaving one per attempt. Either way it ends in .csv.gz.
 */
export function archiveFilePath(backupFolder: string, path: string | undefined, table: string, runId: string, stepId: string): string {
	if (path === undefined) return join(backupFolder, 'archives', `${safe(table)}-${safe(runId)}-${safe(stepId)}.csv.gz`);
	const relative = normalize(path);
	if (isAbsolute(path) || relative === '..' || relative.startsWith(`..${sep}`)) {
		throw nonRetryable('InvalidStepParams', `to "file:${path}" must be a path inside the target's backup location`);
	}
	return join(backupFolder, /\.gz$/.test(relative) ? relative : `${relative}.csv.gz`);
}
