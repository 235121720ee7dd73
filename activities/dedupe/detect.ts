import pg from 'pg';
import type { TableShape } from './catalog.ts';
import { emailCleanSql, emailDomainSql, emailKeySql, nameKeySql, phoneDigitsSql, phoneKeySql } from './key-sql.ts';
import { summariseReasons, type DedupeKey } from './params.ts';

/**
 * Finds groups of rows that are one customer, set-based in the session's temporary tables:
 *  1. dd_keys: every row's normalised email, phone and name, and a bigint node number;
 *  2. dd_classes: the values shared by several rows (emails, phones, email domains) and how many;
 *  3. dd_edges: each row sharing an exact key with others is linked to the smallest node of that
 *     key's class (linear, unlike all pairs), and rows in one small block (an email domain or a
 *     phone number) whose names match or are similar are linked pairwise;
 *  4. dd_label: connected components by label propagation, a few set-based rounds;
 *  5. dd_members: each component a group, numbered by its survivor, the oldest row.
 * The tables are created empty first, outside any transaction, so a dry run can fill them inside
 * a read-only one: PostgreSQL then guarantees that it writes nothing else.
 */

export interface DetectOptions {
	keys: readonly DedupeKey[];
	similarity: number;
	maxBlockSize: number;
	maxGroupSize: number;
	emailAliases: boolean;
	/** Where pg_trgm lives; null matches names only exactly. */
	trigramSchema: string | null;
	/** Where unaccent lives; null falls back to translate(). */
	unaccentSchema: string | null;
	/** What setting up found (an extension missing, say), reported first. */
	notes: string[];
}

export interface Detection {
	groups: number;
	duplicates: number;
	notes: string[];
}

export interface Example {
	survivor: Record<string, unknown>;
	duplicates: Record<string, unknown>[];
	reason: string;
}

export async function createWorkTables(client: pg.Client, shape: TableShape): Promise<void> {
	const id = shape.id.type;
	const created = shape.createdAt?.type ?? 'int';
	await client.query(`
		create temp table dd_keys (node bigint, id ${id}, created ${created}, email_key text, phone_key text, name_key text, domain text);
		create temp table dd_classes (kind text, key text, n bigint);
		create temp table dd_blocks (block text, node bigint, name_key text);
		create temp table dd_edges (a bigint, b bigint);
		create temp table dd_links (node bigint, other bigint);
		create temp table dd_label (node bigint primary key, label bigint);
		create temp table dd_components (node bigint, id ${id}, label bigint, size bigint, survivor ${id}, survivor_node bigint, survivor_created ${created}, email_key text, phone_key text, name_key text);
		create temp table dd_members (grp int, id ${id}, survivor ${id}, reason text);
	`);
}

const count = (n: number | string) => Number(n).toLocaleString('en-US');

export async function detect(client: pg.Client, shape: TableShape, options: DetectOptions, checkCancelled: () => void): Promise<Detection> {
	const notes = [...options.notes];
	const uses = new Set(options.keys);
	const similar = options.trigramSchema ? `${pg.escapeIdentifier(options.trigramSchema)}.similarity` : null;
	const t = (column: { sql: string } | null) => (column ? `t.${column.sql}` : 'null');
	const nameKey = shape.name.length ? nameKeySql(shape.name.map((c) => `t.${c.sql}`), options.unaccentSchema) : 'null';

	// Each level is kept whole by offset 0, so every piece is worked out once per row and the next
	// level reads it as a column (PostgreSQL would otherwise copy the expression into each use).
	await client.query(`
		insert into dd_keys (node, id, created, email_key, phone_key, name_key, domain)
		select node, id, created, email_key, phone_key, name_key, ${emailDomainSql('email_key')}
		  from (
			select node, id, created, ${emailKeySql('e', options.emailAliases)} as email_key, ${phoneKeySql('d')} as phone_key, name_key
			  from (
				select row_number() over () as node, t.${shape.id.sql} as id, ${t(shape.createdAt)} as created,
					${shape.email ? emailCleanSql(`t.${shape.email.sql}`) : 'null::text'} as e,
					${shape.phone ? phoneDigitsSql(`t.${shape.phone.sql}::text`) : 'null::text'} as d,
					${nameKey} as name_key
				  from ${shape.sql} t
				offset 0
			  ) raw
			offset 0
		  ) k
	`);
	checkCancelled();

	// Classes of rows sharing a value: exact keys group rows, email domains and phone numbers are
	// the blocks names are compared in. A hash aggregate each, never a sort of the whole table.
	const kinds = { email: uses.has('email'), phone: uses.has('phone') || uses.has('name'), domain: uses.has('name') };
	for (const kind of (['email', 'phone', 'domain'] as const).filter((k) => kinds[k])) {
		const key = `${kind === 'domain' ? 'domain' : `${kind}_key`}`;
		await client.query(`insert into dd_classes (kind, key, n) select $1, ${key}, count(*) from dd_keys where ${key} is not null group by ${key} having count(*) > 1`, [kind]);
	}
	await client.query('analyze dd_classes');

	for (const kind of (['email', 'phone'] as const).filter((k) => uses.has(k))) {
		await client.query(
			`insert into dd_edges (a, b)
			 select node, root from (
				select k.node, min(k.node) over (partition by k.${kind}_key) as root
				  from dd_keys k join dd_classes c on c.kind = $1 and c.key = k.${kind}_key
				 where c.n <= $2
			 ) s where node <> root`,
			[kind, options.maxGroupSize]
		);
		const { rows } = await client.query<{ classes: string; rows: string; largest: string | null; size: string | null }>(
			`select count(*) as classes, coalesce(sum(n), 0) as rows, (array_agg(key order by n desc))[1] as largest, max(n) as size from dd_classes where kind = $1 and n > $2`,
			[kind, options.maxGroupSize]
		);
		if (Number(rows[0].classes)) {
			notes.push(`${count(rows[0].classes)} ${kind} value(s) shared by more than ${options.maxGroupSize} rows (${count(rows[0].rows)} rows) were taken for placeholders and ignored; the most common is "${rows[0].largest}" (${count(rows[0].size!)} rows)`);
		}
		checkCancelled();
	}

	if (uses.has('name')) {
		await client.query(
			`insert into dd_blocks (block, node, name_key)
			 select 'email domain ' || c.key, k.node, k.name_key from dd_classes c join dd_keys k on k.domain = c.key
			  where c.kind = 'domain' and c.n <= $1 and k.name_key is not null
			 union all
			 select 'phone ' || c.key, k.node, k.name_key from dd_classes c join dd_keys k on k.phone_key = c.key
			  where c.kind = 'phone' and c.n <= $1 and k.name_key is not null`,
			[options.maxBlockSize]
		);
		await client.query('analyze dd_blocks');
		const match = similar ? `x.name_key = y.name_key or ${similar}(x.name_key, y.name_key) >= $1` : 'x.name_key = y.name_key';
		await client.query(`insert into dd_edges (a, b) select distinct x.node, y.node from dd_blocks x join dd_blocks y on y.block = x.block and x.node < y.node where ${match}`, similar ? [options.similarity] : []);
		const { rows } = await client.query<{ blocks: string; largest: string | null; size: string | null }>(
			`select count(*) as blocks, (array_agg(case kind when 'domain' then 'email domain ' else 'phone ' end || key order by n desc))[1] as largest, max(n) as size
			   from dd_classes where kind in ('domain', 'phone') and n > $1`,
			[options.maxBlockSize]
		);
		if (Number(rows[0].blocks)) {
			notes.push(`names were not compared within ${count(rows[0].blocks)} block(s) larger than ${options.maxBlockSize} rows, where equal names are common and prove little; the largest is ${rows[0].largest} (${count(rows[0].size!)} rows)`);
		}
		checkCancelled();
	}

	await client.query(`
		insert into dd_links (node, other) select a, b from dd_edges union select b, a from dd_edges;
		insert into dd_label (node, label) select node, least(node, min(other)) from dd_links group by node;
		analyze dd_links; analyze dd_label;
	`);
	// Each round lowers every label to the smallest among its neighbours; a component's diameter bounds the rounds.
	for (let round = 0; round < 10_000; round++) {
		const { rowCount } = await client.query(`
			update dd_label l set label = n.label
			  from (select k.node, min(o.label) as label from dd_links k join dd_label o on o.node = k.other group by k.node) n
			 where n.node = l.node and n.label < l.label`);
		if (!rowCount) break;
		checkCancelled();
	}

	await client.query(`
		insert into dd_components (node, id, label, size, survivor, survivor_node, survivor_created, email_key, phone_key, name_key)
		select l.node, k.id, l.label, count(*) over (partition by l.label),
			first_value(k.id) over w, first_value(l.node) over w, first_value(k.created) over w,
			k.email_key, k.phone_key, k.name_key
		  from dd_label l join dd_keys k on k.node = l.node
		window w as (partition by l.label order by k.created nulls last, k.id)`);
	if (!shape.createdAt) notes.push(`${shape.sql} has no created_at column, so each group keeps the row with the lowest ${shape.id.name}`);
	const oversized = await client.query<{ groups: string; size: string | null }>('select count(distinct label) as groups, max(size) as size from dd_components where size > $1', [options.maxGroupSize]);
	if (Number(oversized.rows[0].groups)) {
		notes.push(`${count(oversized.rows[0].groups)} group(s) of more than ${options.maxGroupSize} rows (the largest ${count(oversized.rows[0].size!)}) were left alone: chains of matches that large are rarely one customer`);
	}

	const nameReason = uses.has('name')
		? `case when ${emailDomainSql('d.email_key')} = ${emailDomainSql('s.email_key')} or d.phone_key = s.phone_key then
				case when d.name_key = s.name_key then 'same name'
				${similar ? `when ${similar}(d.name_key, s.name_key) >= $2 then format('similar name (%s)', round(${similar}(d.name_key, s.name_key)::numeric, 2))` : ''}
				end end`
		: 'null';
	await client.query(
		`insert into dd_members (grp, id, survivor, reason)
		 select dense_rank() over (order by d.survivor_created nulls last, d.survivor), d.id, d.survivor,
			case when d.node <> d.survivor_node then coalesce(nullif(concat_ws(', ',
				case when ${uses.has('email')} and d.email_key = s.email_key then 'same email' end,
				case when ${uses.has('phone')} and d.phone_key = s.phone_key then 'same phone' end,
				${nameReason}
			), ''), 'linked through another duplicate') end
		   from dd_components d join dd_components s on s.node = d.survivor_node
		  where d.size <= $1`,
		[options.maxGroupSize, ...(similar && uses.has('name') ? [options.similarity] : [])]
	);
	const { rows } = await client.query<{ groups: string; duplicates: string }>('select count(distinct grp) as groups, count(reason) as duplicates from dd_members');
	return { groups: Number(rows[0].groups), duplicates: Number(rows[0].duplicates), notes };
}

/**
 * The first groups as rows of the table, for the approver to judge: the columns compared and
 * when each row was made. A duplicate's `reason` says what matched its survivor.
 */
export async function examples(client: pg.Client, shape: TableShape, limit: number): Promise<Example[]> {
	const shown = [shape.id, ...shape.name, shape.email, shape.phone, shape.createdAt].filter((c, i, all) => c && all.findIndex((o) => o?.name === c.name) === i);
	const row = `json_build_object(${shown.map((c) => `${pg.escapeLiteral(c!.name)}, t.${c!.sql}`).join(', ')})`;
	const { rows } = await client.query<{ grp: number; reason: string | null; row: Record<string, unknown> }>(
		`select m.grp, m.reason, ${row} as row
		   from dd_members m join ${shape.sql} t on t.${shape.id.sql} = m.id
		  where m.grp <= $1
		  order by m.grp, m.reason is not null, ${shape.createdAt ? `t.${shape.createdAt.sql} nulls last, ` : ''}m.id`,
		[limit]
	);
	const groups = new Map<number, Example>();
	for (const r of rows) {
		if (r.reason === null) groups.set(r.grp, { survivor: r.row, duplicates: [], reason: '' });
		else groups.get(r.grp)?.duplicates.push({ ...r.row, reason: r.reason });
	}
	for (const group of groups.values()) group.reason = summariseReasons(group.duplicates.map((d) => String(d.reason)));
	return [...groups.values()];
}
