import { seedCrmDemo } from '../../db/seed/crm-demo.ts';
import { snapshotDatabase } from './database-snapshot.ts';
import { withClient } from './postgres.ts';

/**
 * A small copy of the demo CRM (its own seed, so its own schema and its own planted
 * near-duplicates: customer i is a copy of i - 7 whenever i is a multiple of 20), with one group
 * planted for each other kind of duplicate, rows that must stay apart, and references of every
 * kind: the demo's foreign keys, app_logs.customer_id (no constraint), and a self-reference.
 */
export const SEED_CUSTOMERS = 3000;

/**
 * Survivor → duplicates, beyond the seed's own pairs; ids from 10001 keep clear of the seed's.
 * Also planted: 10001, a copy of a seeded customer under another email with the same phone
 * written differently (seedDuplicates says which customer).
 */
export const PLANTED = {
	/** One small company domain, names a typo apart; Maria Garcia (10004) shares the domain and stays apart. */
	similarName: { survivor: 10002, duplicates: [10003] },
	/** Accents and capitals. */
	accentedName: { survivor: 10005, duplicates: [10006] },
	/** A +tag and Gmail's dots: only with emailAliases. */
	gmailAlias: { survivor: 10007, duplicates: [10008] },
	/** 10031 = 10032 by email, 10032 = 10033 by phone: one group of three. */
	chain: { survivor: 10031, duplicates: [10032, 10033] }
} as const;

/** Twelve customers sharing the phone 000-000-0000: a placeholder, not one customer. */
export const PLACEHOLDER_IDS = Array.from({ length: 12 }, (_, i) => 10011 + i);

export const seedPairs = () => Array.from({ length: Math.floor(SEED_CUSTOMERS / 20) }, (_, k) => ({ survivor: 20 * (k + 1) - 7, duplicate: 20 * (k + 1) }));

const extras = `
	alter table customers add column referred_by bigint references customers on delete set null;

	insert into customers (id, first_name, last_name, email, phone, company, city, country, created_at, updated_at)
	select 10001, first_name || 'a', last_name, 'someone.else@othermail.example', '+1 ' || regexp_replace(phone, '[^0-9]', '', 'g'), company, city, country, created_at + interval '1 day', updated_at
	  from customers where id = (select min(id) from customers where phone is not null and id % 20 <> 0 and (id + 7) % 20 <> 0 and id > 1);

	insert into customers (id, first_name, last_name, email, phone, company, city, country, created_at, updated_at) values
		(10002, 'Jonathan', 'Smith', 'jonathan.smith@acme-widgets.example', null, 'Acme Widgets', 'Boston', 'US', '2024-01-01', '2024-01-01'),
		(10003, 'Jonathon', 'Smith', 'j.smith@acme-widgets.example', null, 'Acme Widgets', 'Boston', 'US', '2024-02-01', '2024-02-01'),
		(10004, 'Maria', 'Garcia', 'maria@acme-widgets.example', null, 'Acme Widgets', 'Boston', 'US', '2024-01-15', '2024-01-15'),
		(10005, 'José', 'Álvarez', 'jose@alvarez-consulting.example', null, 'Alvarez Consulting', 'Miami', 'US', '2024-03-01', '2024-03-01'),
		(10006, 'JOSE', 'ALVAREZ', 'info@alvarez-consulting.example', null, 'Alvarez Consulting', 'Miami', 'US', '2024-03-05', '2024-03-05'),
		(10007, 'Ann', 'Lee', 'Ann.Lee+crm@gmail.com', null, null, 'Seattle', 'US', '2024-04-01', '2024-04-01'),
		(10008, 'A.', 'Lee', 'annlee@googlemail.com', null, null, 'Seattle', 'US', '2024-04-02', '2024-04-02'),
		(10031, 'Lena', 'Park', 'lena@park-studio.example', '555-010-1111', 'Park Studio', 'Denver', 'US', '2024-05-01', '2024-05-01'),
		(10032, 'Lena', 'Park', 'LENA@PARK-STUDIO.EXAMPLE', '555-010-2222', 'Park Studio', 'Denver', 'US', '2024-05-02', '2024-05-02'),
		(10033, 'L', 'Park', 'lp@otherhost.example', '(555) 010-2222', null, 'Denver', 'US', '2024-05-03', '2024-05-03');

	insert into customers (id, first_name, last_name, email, phone, company, city, country, created_at, updated_at)
	select 10010 + k, (array['Olivia','Noah','Emma','Liam','Ava','Elijah','Mia','Lucas','Zoe','Ethan','Ivy','Owen'])[k],
		(array['Quinn','Reyes','Stone','Tate','Ueda','Vance','Wolfe','Xu','Young','Zhang','Abbot','Banks'])[k],
		'person' || k || '@placeholder-' || k || '.example', '000-000-0000', null, 'Austin', 'US', timestamptz '2024-06-01' + k * interval '1 day', timestamptz '2024-06-01'
	  from generate_series(1, 12) k;

	insert into contacts (id, customer_id, first_name, last_name, email, phone, role, created_at)
	select 900000 + row_number() over (order by c), c, 'Planted', 'Contact', 'planted@example.test', null, 'primary', '2024-07-01'
	  from unnest(array[10001, 10003, 10006, 10008, 10032, 10033, 10004]) c;
	insert into deals (id, customer_id, title, amount, currency, stage, created_at, closed_at)
	values (900001, 10032, 'Park Studio - Pilot', 1200.00, 'USD', 'lead', '2024-07-01', null),
	       (900002, 10003, 'Acme Widgets - Seat expansion', 800.00, 'USD', 'won', '2024-07-01', '2024-08-01');
	insert into activities (id, customer_id, deal_id, kind, note, occurred_at)
	values (900001, 10033, null, 'call', 'Called L Park', '2024-07-02'), (900002, 10003, 900002, 'email', 'Sent Jonathon the quote', '2024-07-03');
	insert into app_logs (id, created_at, level, source, message, customer_id)
	values (900001, '2024-07-04', 'info', 'web', 'GET /customers/10003 200 in 5 ms', 10003);

	-- A self-reference in every shape: to a duplicate, from a duplicate to one merged later, within one group.
	update customers set referred_by = 20 where id = 1;
	update customers set referred_by = 60 where id = 40;
	update customers set referred_by = 10032 where id = 10033;
`;

/** Seeds a fresh scratch database (from createScratchDatabase) and returns the phone survivor's id. */
export async function seedDuplicates(url: string): Promise<{ phoneOriginal: number }> {
	await seedCrmDemo(url, { customers: SEED_CUSTOMERS, logRows: 3000 });
	return withClient(url, async (client) => {
		await client.query(extras);
		await client.query('analyze');
		const { rows } = await client.query<{ id: string }>(`select id from customers where id < 10000 and phone is not null and right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) = (select right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) from customers where id = 10001)`);
		return { phoneOriginal: Number(rows[0].id) };
	});
}

export const CRM_TABLES = ['customers', 'contacts', 'deals', 'activities', 'app_logs'] as const;

/** md5 of every row, per demo table: equal checksums mean equal contents. */
export async function tableChecksums(url: string): Promise<Record<string, string>> {
	const { tables } = await snapshotDatabase(url);
	return Object.fromEntries(CRM_TABLES.map((table) => [table, tables[table]]));
}

/** Rows whose reference names a customer that does not exist (a foreign key would refuse them; app_logs has none). */
export async function danglingReferences(url: string): Promise<Record<string, number>> {
	return withClient(url, async (client) => {
		const { rows } = await client.query<{ ref: string; n: string }>(`
			select 'contacts' as ref, count(*) as n from contacts r where not exists (select 1 from customers c where c.id = r.customer_id)
			union all select 'deals', count(*) from deals r where not exists (select 1 from customers c where c.id = r.customer_id)
			union all select 'activities', count(*) from activities r where not exists (select 1 from customers c where c.id = r.customer_id)
			union all select 'app_logs', count(*) from app_logs r where r.customer_id is not null and not exists (select 1 from customers c where c.id = r.customer_id)
			union all select 'customers.referred_by', count(*) from customers r where r.referred_by is not null and not exists (select 1 from customers c where c.id = r.referred_by)`);
		return Object.fromEntries(rows.map((r) => [r.ref, Number(r.n)]));
	});
}
