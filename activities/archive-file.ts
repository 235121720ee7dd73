import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { runBatches, type BatchLimits, type BatchProgress } from './retention-batches.ts';
import { batchResult, columnList, pickNext, type RetentionTable } from './retention-table.ts';

/**
 * Copies the rows of `t` older than `cutoff` into a gzip-compressed CSV (header first, then the
 * rows in key order) with COPY … TO STDOUT, one key range per batch. COPY takes no parameters, so
 * the cutoff and the key bounds go in as quoted literals; every identifier came from the catalog.
 * The file is written beside its final name and renamed when whole, so a file at `path` is
 * always complete. A retry starts the file over: the cutoff is fixed, so it holds the same rows.
 */
export async function archiveToFile(client: pg.Client, t: RetentionTable, cutoff: Date, limits: BatchLimits, path: string): Promise<BatchProgress> {
	mkdirSync(dirname(path), { recursive: true });
	const partial = `${path}.partial`;
	const gzip = createGzip();
	const written = pipeline(gzip, createWriteStream(partial));
	// Awaited below; until then a disk error must not surface as an unhandled rejection.
	written.catch(() => {});
	const columns = columnList(t);
	const copy = async (query: string, header = false): Promise<number> => {
		const stream = client.query(copyTo(`copy (${query}) to stdout with (format csv${header ? ', header' : ''})`));
		for await (const chunk of stream) {
			if (!gzip.write(chunk)) await once(gzip, 'drain');
		}
		return stream.rowCount;
	};
	try {
		await copy(`select ${columns} from ${t.table.sql} limit 0`, true);
		const literal = (value: string) => client.escapeLiteral(value);
		const progress = await runBatches(
			cutoff,
			limits,
			async (after) => {
				const pick = pickNext(t, t.key.sql, cutoff, limits.batchSize, after);
				const { rows } = await client.query(
					`with picked as (${pick.text}) select (select count(*) from picked)::int as selected, (select ${t.key.sql} from picked order by ${t.key.sql} desc limit 1)::text as last`,
					pick.values
				);
				const found = batchResult(rows[0]);
				if (found.last === null) return found;
				const range = `${t.key.sql} <= ${literal(found.last)}${after === null ? '' : ` and ${t.key.sql} > ${literal(after)}`}`;
				const archived = await copy(`select ${columns} from ${t.table.sql} where ${t.time.sql} < ${literal(cutoff.toISOString())}::timestamptz and ${range} order by ${t.key.sql}`);
				return { ...found, archived };
			},
			false
		);
		gzip.end();
		await written;
		renameSync(partial, path);
		return progress;
	} catch (error) {
		gzip.destroy();
		await written.catch(() => {});
		rmSync(partial, { force: true });
		throw error;
	}
}
