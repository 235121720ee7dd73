import { Context } from '@temporalio/activity';
import pg from 'pg';
import { z } from 'zod';
import { parseStepParams } from './failures.ts';
import { bloatEstimates, indexReport, isBloated, summarize, type IndexReport } from './index-report.ts';
import { cancellableStatement } from './pg-cancel.ts';
import { findIndex, findTable, NAME_PATTERN, type Relation } from './pg-catalog.ts';
import { withPgClient } from './pg-tools.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

const name = z.string().regex(NAME_PATTERN, 'must be a name, optionally schema-qualified');
const TASKS = ['vacuum', 'analyze', 'reindex', 'index-report'] as const;

export const maintainParams = z.object({
	database: z.string().min(1),
	tasks: z.array(z.enum(TASKS)).optional(),
	tables: z.array(name).optional(),
	vacuum: z.boolean().optional(),
	analyze: z.boolean().optional(),
	reindex: z.union([z.literal('bloated'), z.array(name)]).optional(),
	report: z.boolean().optional()
});

type MaintainParams = z.infer<typeof maintainParams>;

export interface MaintenancePlan {
	vacuum: boolean;
	analyze: boolean;
	reindex: 'bloated' | string[];
	report: boolean;
}

/**
 * What to do. Naming nothing does everything (DESIGN: "default: all of them"), with REINDEX for
 * the bloated indexes. Once any of vacuum/analyze/reindex/report is named, the flags say it all
 * and `tasks` adds to them: `{report: true}` asks for a report, not a VACUUM of every table.
 */
export function maintenancePlan(params: Pick<MaintainParams, 'tasks' | 'vacuum' | 'analyze' | 'reindex' | 'report'>): MaintenancePlan {
	const flagged = [params.vacuum, params.analyze, params.reindex, params.report].some((v) => v !== undefined);
	const tasks = new Set<string>(params.tasks ?? (flagged ? [] : TASKS));
	return {
		vacuum: params.vacuum ?? tasks.has('vacuum'),
		analyze: params.analyze ?? tasks.has('analyze'),
		reindex: params.reindex ?? (tasks.has('reindex') ? 'bloated' : []),
		report: params.report ?? tasks.has('index-report')
	};
}

export interface MaintainOutputs extends Record<string, unknown> {
	vacuumed: string[];
	analyzed: string[];
	reindexed: string[];
	report: IndexReport | null;
	summary: string;
	durationMs: number;
}

const USER_TABLES = `select c.oid::int as oid, n.nspname as schema, c.relname as name, format('%I.%I', n.nspname, c.relname) as label
	from pg_class c join pg_namespace n on n.oid = c.relnamespace
	where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
	order by 4`;

const relation = (r: { oid: number; schema: string; name: string; label: string }): Relation => ({ ...r, sql: `${pg.escapeIdentifier(r.schema)}.${pg.escapeIdentifier(r.name)}` });

/**
 * A REINDEX CONCURRENTLY that fails (cancelled, lock timeout, worker lost) leaves its new copy
 * behind as an invalid `<name>_ccnew` index that every write still maintains; a retry drops such
 * leftovers of the index it is about to rebuild, so retrying does not pile them up.
 */
async function dropLeftoverCopies(client: pg.Client, index: Relation): Promise<void> {
	const { rows } = await client.query<{ label: string }>(
		`select format('%I.%I', n.nspname, c.relname) as label
		   from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
		  where not i.indisvalid and n.nspname = $1 and left(c.relname, length($2)) = $2 and substr(c.relname, length($2) + 1) ~ '^_ccnew[0-9]*$'`,
		[index.schema, index.name]
	);
	for (const leftover of rows) await client.query(`drop index concurrently if exists ${leftover.label}`);
}

/**
 * VACUUM / ANALYZE table by table (each its own statement, never inside a transaction), then
 * REINDEX INDEX CONCURRENTLY for the named or bloated indexes, and the index report. Every name
 * is checked against the catalog before it is quoted into a statement. Idempotent by nature: a
 * retry vacuums and rebuilds again, which changes nothing a first run did not.
 */
export async function postgresMaintain(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<MaintainOutputs> {
	const params = parseStepParams('postgres.maintain', maintainParams, raw);
	const plan = maintenancePlan(params);
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'postgres.maintain');
	const activity = Context.current();
	const started = performance.now();
	let progress: Record<string, unknown> = { phase: 'starting' };
	const timer = setInterval(() => activity.heartbeat(progress), 2000);
	try {
		return await withPgClient(url, async (client) => {
			const tables = params.tables ? await Promise.all(params.tables.map((t) => findTable(client, t))) : (await client.query(USER_TABLES)).rows.map(relation);
			const done = { vacuumed: [] as string[], analyzed: [] as string[], reindexed: [] as string[] };

			if (plan.vacuum || plan.analyze) {
				const command = plan.vacuum ? (plan.analyze ? 'vacuum (analyze)' : 'vacuum') : 'analyze';
				for (const table of tables) {
					progress = { phase: command, table: table.label, done: done.vacuumed.length + done.analyzed.length };
					activity.heartbeat(progress);
					await cancellableStatement(url, client, activity.cancellationSignal, `${command} ${table.sql}`);
					if (plan.vacuum) done.vacuumed.push(table.label);
					if (plan.analyze) done.analyzed.push(table.label);
				}
			}

			progress = { phase: 'index report' };
			const estimates = plan.report || plan.reindex === 'bloated' ? await bloatEstimates(client) : [];
			const report = plan.report ? await indexReport(client, estimates) : null;

			const scope = new Set(tables.map((t) => t.label));
			const indexes =
				plan.reindex === 'bloated'
					? await Promise.all(estimates.filter((e) => isBloated(e) && (!params.tables || scope.has(e.table))).map((e) => findIndex(client, e.index)))
					: await Promise.all(plan.reindex.map((i) => findIndex(client, i)));
			for (const index of indexes) {
				progress = { phase: 'reindex', index: index.label, done: done.reindexed.length };
				activity.heartbeat(progress);
				await dropLeftoverCopies(client, index);
				await cancellableStatement(url, client, activity.cancellationSignal, `reindex index concurrently ${index.sql}`);
				done.reindexed.push(index.label);
			}

			return { ...done, report, summary: summarize(`${ctx.target}/${params.database}`, done, report), durationMs: Math.round(performance.now() - started) };
		});
	} finally {
		clearInterval(timer);
	}
}
