import type pg from 'pg';
import { RUN_STATUSES, type RunStatus } from '../../db/schema/runs.ts';

export interface RunRowsOptions {
	count: number;
	initiators: readonly string[];
	targets: readonly (string | null)[];
	/** Spread evenly over [from, to), newest last; `tiesEvery` > 1 gives that many runs the same created_at. */
	from: Date;
	to: Date;
	tiesEvery?: number;
	statuses?: readonly RunStatus[];
}

/**
 * Inserts finished-looking runs straight into the ledger (no workflow behind them), for the run
 * list's tests and benchmark. Each run pins a published runbook version, cycling through them;
 * initiator, target and status are drawn at random, independently, so every combination occurs.
 */
export async function insertRunRows(client: pg.Client | pg.Pool, options: RunRowsOptions): Promise<void> {
	const statuses = options.statuses ?? RUN_STATUSES.filter((s) => s !== 'pending' && s !== 'queued');
	const ties = Math.max(1, options.tiesEvery ?? 1);
	const spanMs = options.to.getTime() - options.from.getTime();
	await client.query(
		`with v as (select row_number() over (order by rv.id) - 1 as k, rv.id, r.name, rv.version from runbook_versions rv join runbooks r on r.id = rv.runbook_id),
			n as (select count(*)::int as c from v),
			g as (select gen_random_uuid() as id, i, to_timestamp(($5::bigint + (((i - 1) / $6::int) * $6::int)::bigint * $7::bigint / $1::int) / 1000.0) as at from generate_series(1, $1::int) i)
		insert into runs (id, runbook_name, version_id, version, target, status, initiator, inputs, workflow_id, created_at, started_at, finished_at)
		select g.id, v.name, v.id, v.version,
			($3::text[])[1 + floor(random() * cardinality($3::text[]))::int],
			(($4::text[])[1 + floor(random() * cardinality($4::text[]))::int])::run_status,
			($2::text[])[1 + floor(random() * cardinality($2::text[]))::int],
			'{}'::jsonb, 'run-' || g.id, g.at, g.at + interval '1 second', g.at + interval '90 seconds'
		from g cross join n join v on v.k = g.i % n.c`,
		[options.count, options.initiators, options.targets, statuses, options.from.getTime(), ties, spanMs]
	);
}
