import pg from 'pg';

export interface CrmSeedOptions {
	/** Customer rows, near-duplicates included (every 20th is one). Default 50,000. */
	customers?: number;
	/** app_logs rows over the three years. Default 1,000,000. */
	logRows?: number;
	onProgress?: (line: string) => void;
}

export interface CrmSeedResult {
	seeded: boolean;
	ms: number;
	counts: Record<string, number>;
}

/**
 * The version written to the marker. A database seeded by any version is left alone: by then
 * runbooks may have deduplicated, purged or restored it, and reseeding would undo their work.
 */
const SEED_VERSION = 1;
const START = '2023-11-01T00:00:00Z';
// Fixed, not now(): two fresh databases hold identical rows, and retention runbooks still find
// old rows because the data only ages.
const ANCHOR = '2026-11-01T00:00:00Z';
const SPAN_SECONDS = (Date.parse(ANCHOR) - Date.parse(START)) / 1000;
// Serialises two starts racing on one database; the second then finds the marker.
const LOCK_KEY = 0x74656e64;
const TABLES = ['tend_seed', 'app_logs', 'activities', 'deals', 'contacts', 'customers'];

/**
 * Seeds `crm_demo` in one transaction of set-based SQL, unless its marker says it is already
 * seeded. An interrupted seed commits nothing, so the next start simply seeds again.
 */
export async function seedCrmDemo(databaseUrl: string, options: CrmSeedOptions = {}): Promise<CrmSeedResult> {
	// Phone numbers stay distinct up to 8,000,000 customers (see insertCustomers).
	const customers = count('customers', options.customers ?? 50_000, 1, 8_000_000);
	const logRows = count('logRows', options.logRows ?? 1_000_000, 0, 100_000_000);
	const progress = options.onProgress ?? (() => {});
	const started = performance.now();
	const client = new pg.Client({ connectionString: databaseUrl });
	// A lost connection also rejects the query in flight, which is what reports it; unheard, the
	// 'error' event would take the whole launcher down.
	client.on('error', () => {});
	await client.connect();
	try {
		await client.query('begin');
		await client.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
		const marker = await readMarker(client);
		if (marker) {
			await client.query('commit');
			return { seeded: false, ms: Math.round(performance.now() - started), counts: marker };
		}

		const leftovers = await client.query('select 1 from pg_tables where schemaname = current_schema() and tablename = any($1)', [TABLES]);
		if (leftovers.rowCount) progress('seeding crm_demo: tables without a seed marker found, replacing them');
		// No CASCADE: if someone built objects on these tables, fail rather than drop their work.
		await client.query(`drop table if exists ${TABLES.join(', ')}`);
		// A crash right after commit costs only a reseed, so the commit need not wait for the flush;
		// the extra memory lets the sorts and index builds run in one pass.
		await client.query(`set local synchronous_commit = off; set local maintenance_work_mem = '256MB'; set local work_mem = '64MB'`);
		await client.query('create extension if not exists pg_trgm');
		await client.query(createTables);

		const counts: Record<string, number> = {};
		const load = async (table: string, sql: string) => {
			counts[table] = (await client.query(sql)).rowCount ?? 0;
			progress(`seeding crm_demo: ${table} ${counts[table].toLocaleString('en-US')}`);
		};
		await load('customers', insertCustomers(customers));
		await load('contacts', insertContacts);
		await load('deals', insertDeals);
		await load('activities', insertActivities);
		await load('app_logs', insertAppLogs(logRows, customers));

		progress('seeding crm_demo: indexes and constraints');
		await client.query(addConstraintsAndIndexes);
		await client.query(
			'insert into tend_seed (version, options, counts) values ($1, $2, $3)',
			[SEED_VERSION, JSON.stringify({ customers, logRows }), JSON.stringify(counts)]
		);
		await client.query(`analyze ${TABLES.join(', ')}`);
		await client.query('commit');
		return { seeded: true, ms: Math.round(performance.now() - started), counts };
	} catch (error) {
		// If the connection itself broke, the server has already rolled back.
		await client.query('rollback').catch(() => {});
		throw error;
	} finally {
		await client.end();
	}
}

// The bounds keep every hash product (see h) inside a bigint.
function count(name: string, value: number, min: number, max: number): number {
	if (!Number.isSafeInteger(value) || value < min || value > max) {
		throw new RangeError(`CrmSeedOptions.${name} must be an integer from ${min} to ${max.toLocaleString('en-US')}, got ${value}`);
	}
	return value;
}

async function readMarker(client: pg.Client): Promise<Record<string, number> | undefined> {
	const { rows } = await client.query(`select to_regclass('tend_seed') is not null as present`);
	if (!rows[0].present) return undefined;
	const marker = await client.query('select counts from tend_seed order by version desc limit 1');
	return marker.rows[0]?.counts;
}

// ---- SQL building -------------------------------------------------------------------------------

const PRIME = 2_147_483_647;

/**
 * A pure, well-spread function of a row key: a quadratic polynomial modulo a prime, with its
 * coefficients picked by the salt so columns do not move together. A linear one would repeat
 * itself along strides (every 20th row, i.e. every duplicate, got the same surname). Integer
 * arithmetic only, so the output is the same on every platform and every run, with no random()
 * and no seed to manage; the factors stay below 2^31 and 2^32 so the product fits a bigint.
 */
function h(key: string, salt: number): string {
	const multiplier = (1_103_515_245 + salt * 2_654_435_761) % PRIME;
	const offset = (salt * 40_503 + 12_345) % 1_000_000_007;
	return `(((${key}) + ${salt}) * ${multiplier} % ${PRIME} * ((${key}) + ${offset}) % ${PRIME})`;
}

function literal(value: string): string {
	return `'${value.replaceAll("'", "''")}'`;
}

function pick(values: readonly (string | number)[], key: string, salt: number): string {
	const items = values.map((v) => (typeof v === 'number' ? String(v) : literal(v)));
	const type = typeof values[0] === 'number' ? 'int' : 'text';
	return `(array[${items.join(', ')}]::${type}[])[1 + (${h(key, salt)} % ${values.length})::int]`;
}

const secondsSince = (from: string) => `extract(epoch from timestamptz '${ANCHOR}' - ${from})::bigint`;
const plusSeconds = (from: string, seconds: string) => `(${from} + (${seconds}) * interval '1 second')`;

// Letters only, so emails built from them need no cleaning.
const FIRST_NAMES = [
	'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara',
	'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Lisa', 'Daniel', 'Nancy',
	'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily',
	'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Carol', 'Kevin', 'Amanda', 'Brian', 'Melissa', 'George', 'Deborah',
	'Timothy', 'Stephanie', 'Ronald', 'Rebecca', 'Jason', 'Sharon', 'Edward', 'Laura', 'Jeffrey', 'Cynthia', 'Ryan', 'Amy',
	'Jacob', 'Angela', 'Gary', 'Helen', 'Nicholas', 'Anna', 'Eric', 'Brenda', 'Jonathan', 'Pamela', 'Stephen', 'Nicole',
	'Priya', 'Wei', 'Mohammed', 'Sofia', 'Mateo', 'Aiko', 'Olga', 'Kwame', 'Lucia', 'Arjun', 'Fatima', 'Chloe'
];
const LAST_NAMES = [
	'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
	'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson',
	'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
	'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell',
	'Mitchell', 'Carter', 'Roberts', 'Patel', 'Kim', 'Chen', 'Singh', 'Murphy', 'Cohen', 'Schmidt', 'Kowalski', 'Novak',
	'Tremblay', 'Gagnon', 'Roy', 'Bouchard', 'Fischer', 'Weber', 'Yamamoto', 'Okafor', 'Haddad', 'Larsen', 'Costa'
];
const COMPANY_WORDS = [
	'Northwind', 'Contoso', 'Fabrikam', 'Litware', 'Tailspin', 'Wingtip', 'Adventure', 'Bluebird', 'Summit', 'Harbor',
	'Granite', 'Cedar', 'Maple', 'Pioneer', 'Atlas', 'Beacon', 'Crescent', 'Evergreen', 'Falcon', 'Horizon', 'Ironwood',
	'Juniper', 'Keystone', 'Lakeside', 'Meridian', 'Oakridge', 'Pinnacle', 'Redwood', 'Silverline', 'Trident'
];
const COMPANY_KINDS = ['Traders', 'Logistics', 'Foods', 'Health', 'Labs', 'Systems', 'Partners', 'Studio', 'Supply', 'Group', 'Works', 'Dental'];
const MAIL_DOMAINS = ['mail.example', 'inbox.example', 'post.example', 'example.com', 'example.net', 'example.org'];
// [city, country, area code]; North American only so every phone number fits the NANP formats.
const CITIES: [string, string, number][] = [
	['New York', 'US', 212], ['Los Angeles', 'US', 213], ['Chicago', 'US', 312], ['Houston', 'US', 713], ['Phoenix', 'US', 602],
	['Philadelphia', 'US', 215], ['San Antonio', 'US', 210], ['San Diego', 'US', 619], ['Dallas', 'US', 214], ['Austin', 'US', 512],
	['Jacksonville', 'US', 904], ['Columbus', 'US', 614], ['Charlotte', 'US', 704], ['Indianapolis', 'US', 317], ['Seattle', 'US', 206],
	['Denver', 'US', 303], ['Boston', 'US', 617], ['Nashville', 'US', 615], ['Portland', 'US', 503], ['Atlanta', 'US', 404],
	['Miami', 'US', 305], ['Minneapolis', 'US', 612], ['Toronto', 'CA', 416], ['Montreal', 'CA', 514], ['Vancouver', 'CA', 604],
	['Calgary', 'CA', 403], ['Ottawa', 'CA', 613], ['Halifax', 'CA', 902]
];

const createTables = `
	create table customers (
		id bigint generated by default as identity,
		first_name text not null,
		last_name text not null,
		email text not null,
		phone text,
		company text,
		city text not null,
		country text not null,
		created_at timestamptz not null,
		updated_at timestamptz not null
	);
	create table contacts (
		id bigint generated by default as identity,
		customer_id bigint not null,
		first_name text not null,
		last_name text not null,
		email text not null,
		phone text,
		role text not null check (role in ('primary', 'billing', 'technical', 'assistant', 'executive')),
		created_at timestamptz not null
	);
	create table deals (
		id bigint generated by default as identity,
		customer_id bigint not null,
		title text not null,
		amount numeric(12, 2) not null,
		currency char(3) not null,
		stage text not null check (stage in ('lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
		created_at timestamptz not null,
		closed_at timestamptz,
		check ((stage in ('won', 'lost')) = (closed_at is not null))
	);
	create table activities (
		id bigint generated by default as identity,
		customer_id bigint not null,
		deal_id bigint,
		kind text not null check (kind in ('call', 'email', 'meeting', 'note', 'task')),
		note text not null,
		occurred_at timestamptz not null
	);
	create table app_logs (
		id bigint generated by default as identity,
		created_at timestamptz not null,
		level text not null check (level in ('debug', 'info', 'warn', 'error')),
		source text not null,
		message text not null,
		customer_id bigint
	);
	create table tend_seed (
		version int primary key,
		seeded_at timestamptz not null default now(),
		options jsonb not null,
		counts jsonb not null
	);
`;

/**
 * Customer i is a near-duplicate of customer i - 7 when i is a multiple of 20 (5%): every field
 * is derived from the original's number b, then the copy gets the marks of a second data entry —
 * other email casing or stray spaces (equal under lower(trim(email))), padded or re-cased names
 * (close under pg_trgm), and the same phone digits in another format (compare the last ten digits,
 * since some formats carry the +1). Ids equal i, so which row is the copy is itself deterministic.
 */
function insertCustomers(n: number): string {
	const step = Math.max(1, Math.floor(SPAN_SECONDS / n));
	// Distinct for distinct originals: b is in every local part and the three shapes never overlap.
	const email = `case ${h('b', 7)} % 3 when 0 then lower(fn) || '.' || lower(ln) when 1 then lower(fn) || '_' else left(lower(fn), 1) || lower(ln) end || b || '@' || domain`;
	const area = `area::text`;
	const exchange = `(200 + pn / 10000)::text`;
	const line = `lpad((pn % 10000)::text, 4, '0')`;
	const phoneIn = (format: string) => `case ${format}
		when 0 then '(' || ${area} || ') ' || ${exchange} || '-' || ${line}
		when 1 then ${area} || '-' || ${exchange} || '-' || ${line}
		when 2 then ${area} || '.' || ${exchange} || '.' || ${line}
		when 3 then '+1 (' || ${area} || ') ' || ${exchange} || '-' || ${line}
		else '+1' || ${area} || ${exchange} || ${line} end`;
	return `
		insert into customers (id, first_name, last_name, email, phone, company, city, country, created_at, updated_at)
		select i,
			case when not dup then fn when v = 0 then '  ' || fn when v = 2 then fn || ' ' when v = 3 then fn || '  ' || chr(65 + (${h('i', 12)} % 26)::int) || '.' else fn end,
			case when not dup then ln when v = 1 then upper(ln) when v = 2 then ln || '  ' when v = 3 then ' ' || ln else ln end,
			case when not dup then e when v = 0 then initcap(e) when v = 1 then upper(e) when v = 2 then ' ' || initcap(e) || ' ' else upper(left(e, 1)) || substr(e, 2) end,
			case when has_phone then ${phoneIn('case when dup then (fmt + 1 + v) % 5 else fmt end')} end,
			company, city, country,
			${plusSeconds(`timestamptz '${START}'`, 't')},
			${plusSeconds(`timestamptz '${START}'`, `t + case when ${h('i', 14)} % 10 < 3 then 0 else ${h('i', 15)} % greatest(1, ${SPAN_SECONDS} - t) end`)}
		from (
			select *, ${email} as e
			from (
				select i, b, i <> b as dup, (i / 20) % 4 as v,
					${pick(FIRST_NAMES, 'b', 1)} as fn,
					${pick(LAST_NAMES, 'b', 2)} as ln,
					case when ${h('b', 3)} % 100 < 22 then null else ${pick(COMPANY_WORDS, 'b', 4)} || ' ' || ${pick(COMPANY_KINDS, 'b', 5)} end as company,
					${pick(CITIES.map((c) => c[0]), 'b', 6)} as city,
					${pick(CITIES.map((c) => c[1]), 'b', 6)} as country,
					case when ${h('b', 3)} % 100 < 22 or ${h('b', 8)} % 3 = 0 then ${pick(MAIL_DOMAINS, 'b', 9)}
						else lower(${pick(COMPANY_WORDS, 'b', 4)}) || '.example' end as domain,
					${h('b', 10)} % 100 >= 7 as has_phone,
					${pick(CITIES.map((c) => c[2]), 'b', 6)} as area,
					-- 7919 is prime to 8,000,000, so distinct customers never share a number.
					(b * 7919 + 1234567) % 8000000 as pn,
					${h('b', 11)} % 5 as fmt,
					(i - 1) * ${SPAN_SECONDS}::bigint / ${n} + ${h('i', 13)} % ${step} as t
				from (select i, case when i % 20 = 0 then i - 7 else i end as b from generate_series(1, ${n}::bigint) g(i)) s
			) base
		) person
	`;
}

// Business customers have a few contacts each, consumers at most one.
const insertContacts = `
	insert into contacts (id, customer_id, first_name, last_name, email, phone, role, created_at)
	select row_number() over (order by c.id, k), c.id, fn, ln,
		lower(fn) || '.' || lower(ln) || '@' || lower(split_part(trim(c.email), '@', 2)),
		case when ${h('x', 24)} % 4 > 0 then '(' || (200 + ${h('x', 25)} % 800) || ') ' || (200 + ${h('x', 26)} % 800) || '-' || lpad((${h('x', 27)} % 10000)::text, 4, '0') end,
		case when k = 1 then 'primary' else ${pick(['billing', 'technical', 'assistant', 'executive'], 'x', 23)} end,
		${plusSeconds('c.created_at', `${h('x', 28)} % greatest(1, ${secondsSince('c.created_at')})`)}
	from customers c
	cross join lateral generate_series(1, case when c.company is null then (${h('c.id', 20)} % 2)::int else 1 + (${h('c.id', 20)} % 3)::int end) k
	cross join lateral (select c.id * 4 + k as x) kx
	cross join lateral (select ${pick(FIRST_NAMES, 'x', 21)} as fn, ${pick(LAST_NAMES, 'x', 22)} as ln) nm
`;

// Deals older than about a quarter are mostly closed; recent ones are still in the pipeline.
const insertDeals = `
	insert into deals (id, customer_id, title, amount, currency, stage, created_at, closed_at)
	select row_number() over (order by customer_id, k), customer_id, title, amount, currency, stage, created_at,
		case when stage in ('won', 'lost') then ${plusSeconds('created_at', `${h('x', 36)} % least(age, 120 * 86400)`)} end
	from (
		select *, case
				when age > 90 * 86400 and ${h('x', 33)} % 10 < 4 then 'won'
				when age > 90 * 86400 and ${h('x', 33)} % 10 < 9 then 'lost'
				else ${pick(['lead', 'lead', 'qualified', 'proposal', 'negotiation'], 'x', 34)} end as stage
		from (
			select c.id as customer_id, k, x,
				coalesce(c.company, trim(c.first_name) || ' ' || trim(c.last_name)) || ' - ' ||
					${pick(['Annual licence', 'Onboarding package', 'Support renewal', 'Seat expansion', 'Pilot', 'Data migration', 'Training days', 'Premium tier upgrade'], 'x', 35)} as title,
				((${h('x', 37)} % 100) * (${h('x', 37)} % 100) * 20 + 500 + ${h('x', 38)} % 1000)::numeric + (${h('x', 39)} % 100)::numeric / 100 as amount,
				case c.country when 'CA' then 'CAD' else 'USD' end as currency,
				d.created_at, greatest(1, ${secondsSince('d.created_at')}) as age
			from customers c
			cross join lateral generate_series(1, ${pick([0, 1, 1, 2, 3], 'c.id', 30)}) k
			cross join lateral (select c.id * 4 + k as x) kx
			cross join lateral (select ${plusSeconds('c.created_at', `${h('x', 31)} % greatest(1, ${secondsSince('c.created_at')})`)} as created_at) d
		) deal
	) staged
`;

const NOTES = {
	call: ['Called %s about the renewal, left a voicemail', 'Call with %s: wants a quote by Friday', 'Follow-up call, %s asked for references', 'Short call, %s is comparing vendors'],
	email: ['Sent %s the pricing sheet', 'Emailed %s the proposal draft', '%s replied: budget approved next quarter', 'Sent onboarding guide to %s'],
	meeting: ['Demo for %s and two colleagues', 'Quarterly review with %s', 'On-site visit, met %s', 'Kick-off meeting with %s'],
	note: ['%s prefers email over phone', '%s is moving offices next month', 'Champion: %s', '%s mentioned a competitor offer'],
	task: ['Prepare contract for %s', 'Send invoice copy to %s', 'Book training session for %s', 'Check payment status with %s']
};
const KINDS = Object.keys(NOTES) as (keyof typeof NOTES)[];
const activityColumns = (key: string) => `
	${pick(KINDS, key, 41)} as kind,
	format((array[${KINDS.flatMap((k) => NOTES[k]).map(literal).join(', ')}])[1 + 4 * ((${h(key, 41)} % ${KINDS.length})::int) + (${h(key, 42)} % 4)::int], trim(c.first_name))`;

// About half the history hangs off deals, within each deal's open period; the rest is general
// account upkeep. Ids follow time, as they would in an application writing them as they happen.
const insertActivities = `
	insert into activities (id, customer_id, deal_id, kind, note, occurred_at)
	select row_number() over (order by occurred_at, customer_id, deal_id nulls first, k), customer_id, deal_id, kind, note, occurred_at
	from (
		select d.customer_id, d.id as deal_id, k, ${activityColumns('d.id * 8 + k')} as note,
			${plusSeconds('d.created_at', `${h('d.id * 8 + k', 43)} % greatest(1, extract(epoch from coalesce(d.closed_at, timestamptz '${ANCHOR}') - d.created_at)::bigint)`)} as occurred_at
		from deals d
		join customers c on c.id = d.customer_id
		cross join lateral generate_series(1, 1 + (${h('d.id', 40)} % 4)::int) k
		union all
		select c.id, null, k, ${activityColumns('c.id * 8 + k')},
			${plusSeconds('c.created_at', `${h('c.id * 8 + k', 45)} % greatest(1, ${secondsSince('c.created_at')})`)}
		from customers c
		cross join lateral generate_series(1, 1 + (${h('c.id', 44)} % 3)::int) k
	) a
`;

interface LogTemplate { level: 'debug' | 'info' | 'warn' | 'error'; source: string; message: string; customer: boolean; weight: number }
// format() arguments: %1$s a customer id, %2$s a small number, %3$s a duration in ms.
const LOG_TEMPLATES: LogTemplate[] = [
	{ level: 'info', source: 'web', message: 'GET /customers/%1$s 200 in %3$s ms', customer: true, weight: 12 },
	{ level: 'info', source: 'web', message: 'GET /deals?page=%2$s 200 in %3$s ms', customer: false, weight: 8 },
	{ level: 'info', source: 'api', message: 'PATCH /api/customers/%1$s 200 in %3$s ms', customer: true, weight: 6 },
	{ level: 'info', source: 'auth', message: 'user %2$s signed in', customer: false, weight: 6 },
	{ level: 'info', source: 'billing', message: 'invoice INV-%2$s issued to customer %1$s', customer: true, weight: 4 },
	{ level: 'info', source: 'mailer', message: 'newsletter batch %2$s delivered', customer: false, weight: 2 },
	{ level: 'info', source: 'scheduler', message: 'job nightly-sync finished in %3$s ms', customer: false, weight: 2 },
	{ level: 'debug', source: 'web', message: 'cache hit customer:%1$s', customer: true, weight: 10 },
	{ level: 'debug', source: 'api', message: 'request %2$s validated in %3$s ms', customer: false, weight: 8 },
	{ level: 'debug', source: 'worker', message: 'job %2$s picked up', customer: false, weight: 6 },
	{ level: 'debug', source: 'import', message: 'row %2$s parsed', customer: false, weight: 6 },
	{ level: 'warn', source: 'api', message: 'slow query on customers: %3$s ms', customer: false, weight: 3 },
	{ level: 'warn', source: 'auth', message: 'failed sign-in for user %2$s', customer: false, weight: 3 },
	{ level: 'warn', source: 'mailer', message: 'bounce from customer %1$s', customer: true, weight: 2 },
	{ level: 'error', source: 'billing', message: 'payment declined for customer %1$s: card expired', customer: true, weight: 1 },
	{ level: 'error', source: 'worker', message: 'job %2$s failed: connection reset by peer', customer: false, weight: 1 },
	{ level: 'error', source: 'api', message: 'POST /api/deals 500 after %3$s ms', customer: false, weight: 1 },
	{ level: 'error', source: 'import', message: 'row %2$s rejected: invalid email', customer: false, weight: 1 }
];

/**
 * Logs are spread evenly over the three years in id order, and a log naming a customer names one
 * that existed by then (customer ids grow with their created_at the same way).
 */
function insertAppLogs(n: number, customers: number): string {
	const weighted = LOG_TEMPLATES.flatMap((t) => Array<LogTemplate>(t.weight).fill(t));
	const column = (f: (t: LogTemplate) => string) => `(array[${weighted.map(f).join(', ')}])[t]`;
	const step = Math.max(1, Math.floor(SPAN_SECONDS / Math.max(1, n)));
	return `
		insert into app_logs (id, created_at, level, source, message, customer_id)
		select i,
			${plusSeconds(`timestamptz '${START}'`, `(i - 1) * ${SPAN_SECONDS}::bigint / ${Math.max(1, n)} + ${h('i', 51)} % ${step}`)},
			${column((t) => literal(t.level))}, ${column((t) => literal(t.source))},
			format(${column((t) => literal(t.message))}, customer_id, ${h('i', 52)} % 5000, 5 + ${h('i', 53)} % 2500),
			case when ${column((t) => String(t.customer))} then customer_id end
		from (
			select i, 1 + (${h('i', 50)} % ${weighted.length})::int as t,
				1 + ${h('i', 54)} % greatest(1, i * ${customers} / ${Math.max(1, n)}) as customer_id
			from generate_series(1, ${n}::bigint) g(i)
		) s
	`;
}

// After the load: building an index once is far cheaper than maintaining it row by row, and one
// join validates a foreign key faster than a trigger per inserted row. Merges must move deals and
// activities to the surviving customer, so deleting a customer that still has them is refused.
const addConstraintsAndIndexes = `
	alter table customers add primary key (id);
	alter table contacts add primary key (id),
		add foreign key (customer_id) references customers on delete cascade;
	alter table deals add primary key (id),
		add foreign key (customer_id) references customers on delete restrict;
	alter table activities add primary key (id),
		add foreign key (customer_id) references customers on delete restrict,
		add foreign key (deal_id) references deals on delete set null;
	alter table app_logs add primary key (id);
	create index customers_email_lower_idx on customers (lower(email));
	create index customers_name_trgm_idx on customers using gin ((first_name || ' ' || last_name) gin_trgm_ops);
	create index contacts_customer_id_idx on contacts (customer_id);
	create index deals_customer_id_idx on deals (customer_id);
	create index activities_customer_id_idx on activities (customer_id);
	create index activities_deal_id_idx on activities (deal_id);
	create index app_logs_created_at_idx on app_logs (created_at);
	select setval(pg_get_serial_sequence(t, 'id'), greatest(m, 1), m is not null)
	from (values
		('customers', (select max(id) from customers)), ('contacts', (select max(id) from contacts)),
		('deals', (select max(id) from deals)), ('activities', (select max(id) from activities)),
		('app_logs', (select max(id) from app_logs))
	) ids(t, m);
`;
