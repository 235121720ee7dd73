import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeParams } from '../../activities/dedupe/params.ts';
import { runDedupe } from '../../activities/dedupe/run.ts';
import type { DedupeOutputs } from '../../activities/dedupe/outputs.ts';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { danglingReferences, PLACEHOLDER_IDS, PLANTED, seedDuplicates, seedPairs, tableChecksums } from '../helpers/crm-duplicates.ts';
import { createOwnedDatabase, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * data.dedupe on scratch copies of the demo CRM with planted duplicates of every kind: what the
 * dry run finds, that it writes nothing, that a merge leaves no reference behind, and that an
 * unmerge gives back every table exactly.
 */

// Seeded company domains hold 39 or more customers; blocks of at most 10 compare only the planted
// names, so the groups expected are exactly the planted ones.
const params = (mode: 'dry-run' | 'merge' | 'unmerge', extra: Record<string, unknown> = {}) =>
	dedupeParams.parse({ database: 'main', mode, maxBlockSize: 10, references: ['app_logs.customer_id'], ...extra });

const NONE_DANGLING = { contacts: 0, deals: 0, activities: 0, app_logs: 0, 'customers.referred_by': 0 };

const mergedRows = (url: string, runId: string) =>
	withClient(url, async (c) => (await c.query<{ id: string; merged_into: string }>('select id, merged_into from tend_archive.customers_merged where run_id = $1', [runId])).rows);

describe('data.dedupe on a copy of the demo CRM', () => {
	let url: string;
	let expected: Map<number, number>;
	let before: Record<string, string>;
	let afterMerge: Record<string, string>;
	const merge = { runId: randomUUID(), stepId: 'merge' };
	const groupCount = () => new Set(expected.values()).size;

	beforeAll(async () => {
		url = await createOwnedDatabase('dedupe');
		const { phoneOriginal } = await seedDuplicates(url);
		// duplicate → survivor, for every planted group
		expected = new Map(seedPairs().map((p) => [p.duplicate, p.survivor]));
		expected.set(10001, phoneOriginal);
		for (const group of [PLANTED.similarName, PLANTED.accentedName, PLANTED.chain]) for (const d of group.duplicates) expected.set(d, group.survivor);
		before = await tableChecksums(url);
	}, 120_000);

	it('dry run: finds every planted group, keeps placeholders apart, shows examples oldest first, and writes nothing', async () => {
		const out = await runDedupe(url, { runId: randomUUID(), stepId: 'dedupe' }, params('dry-run'));

		expect(out).toMatchObject({ groups: groupCount(), duplicates: expected.size, merged: 0 });
		expect(out.report).toMatchObject({ mode: 'dry-run', trigram: true, unaccent: true, groups: out.groups, duplicates: out.duplicates });
		expect(out.report.examples).toHaveLength(20);
		expect(out.report.examples.find((e) => e.survivor.id === 13)).toEqual({
			survivor: { id: 13, first_name: 'Kenneth', last_name: 'Roberts', email: 'kenneth_13@atlas.example', phone: '312-333-7514', created_at: expect.any(String) },
			duplicates: [{ id: 20, first_name: 'Kenneth', last_name: 'ROBERTS', email: 'KENNETH_13@ATLAS.EXAMPLE', phone: '+1 (312) 333-7514', created_at: expect.any(String), reason: 'same email, same phone, same name' }],
			reason: 'same email, same phone, same name'
		});
		for (const example of out.report.examples) {
			for (const duplicate of example.duplicates) {
				expect(expected.get(Number(duplicate.id)), `duplicate ${duplicate.id}`).toBe(example.survivor.id);
				expect(Date.parse(String(duplicate.created_at))).toBeGreaterThanOrEqual(Date.parse(String(example.survivor.created_at)));
			}
		}
		expect(out.report.notes).toContainEqual(expect.stringMatching(/^1 phone value\(s\) shared by more than 10 rows .*"0000000000" \(12 rows\)/));
		expect(out.report.notes).toContain('a merge would re-point public.activities.customer_id, public.contacts.customer_id, public.customers.referred_by, public.deals.customer_id, public.app_logs.customer_id');

		expect(await tableChecksums(url)).toEqual(before);
		const archive = await withClient(url, async (c) => (await c.query(`select to_regnamespace('tend_archive') as schema`)).rows[0].schema);
		expect(archive).toBeNull();
	});

	it('dry run with emailAliases also joins a +tag Gmail address to its dotted googlemail.com twin', async () => {
		const plain = await runDedupe(url, { runId: randomUUID(), stepId: 'dedupe' }, params('dry-run'));
		const aliased = await runDedupe(url, { runId: randomUUID(), stepId: 'dedupe' }, params('dry-run', { emailAliases: true }));
		expect(aliased.groups).toBe(plain.groups + 1);
		expect(aliased.duplicates).toBe(plain.duplicates + 1);
	});

	it('merge: removes exactly the planted duplicates, re-points every reference to the survivor and archives what it deleted', async () => {
		const customersBefore = await withClient(url, async (c) => Number((await c.query('select count(*) from customers')).rows[0].count));
		const contactsOf10003 = await withClient(url, async (c) => (await c.query('select id from contacts where customer_id = 10003')).rows.map((r) => r.id));

		const out = await runDedupe(url, merge, params('merge', { batchSize: 7 }));

		expect(out).toMatchObject({ groups: groupCount(), duplicates: expected.size, merged: expected.size, restored: 0 });
		expect(out.report.skipped).toBe(0);
		expect(new Map((await mergedRows(url, merge.runId)).map((r) => [Number(r.id), Number(r.merged_into)]))).toEqual(expected);
		await withClient(url, async (c) => {
			expect(Number((await c.query('select count(*) from customers')).rows[0].count)).toBe(customersBefore - expected.size);
			expect((await c.query('select id from customers where id = any($1)', [[...expected.keys()]])).rows).toEqual([]);
			expect((await c.query('select count(*)::int as n from customers where id = any($1)', [PLACEHOLDER_IDS])).rows[0].n).toBe(PLACEHOLDER_IDS.length);
			expect((await c.query('select id from contacts where id = any($1) and customer_id = 10002', [contactsOf10003])).rows).toHaveLength(contactsOf10003.length);
			expect((await c.query('select customer_id from deals where id = 900002')).rows).toEqual([{ customer_id: '10002' }]);
			expect((await c.query('select customer_id from app_logs where id = 900001')).rows).toEqual([{ customer_id: '10002' }]);
			expect((await c.query('select referred_by from customers where id = 1')).rows).toEqual([{ referred_by: '13' }]);
		});
		expect(await danglingReferences(url)).toEqual(NONE_DANGLING);
		expect(out.report.repointed).toMatchObject({ 'public.app_logs.customer_id': expect.any(Number), 'public.contacts.customer_id': expect.any(Number), 'public.customers.referred_by': 3 });

		afterMerge = await tableChecksums(url);
		// The same run and step again (a retried attempt): the plan is done, nothing more is touched.
		const again = await runDedupe(url, merge, params('merge', { batchSize: 7 }));
		expect(again).toMatchObject({ merged: expected.size, duplicates: expected.size });
		expect(await tableChecksums(url)).toEqual(afterMerge);
	});

	it('unmerge: every table is back exactly as before the merge, and the archive is empty', async () => {
		const out = await runDedupe(url, { runId: merge.runId, stepId: 'merge.rollback' }, params('unmerge', { batchSize: 11 }));

		expect(out).toMatchObject({ restored: expected.size, merged: 0 });
		expect(out.report.notes).toEqual([]);
		expect(await tableChecksums(url)).toEqual(before);
		expect(await mergedRows(url, merge.runId)).toEqual([]);
		expect(await withClient(url, async (c) => (await c.query('select count(*)::int as n from tend_archive.dedupe_repoints where run_id = $1', [merge.runId])).rows[0].n)).toBe(0);
	});

	it('a merge stopped between batches resumes from its stored plan and ends where an uninterrupted one did', async () => {
		const key = { runId: randomUUID(), stepId: 'merge' };
		let batches = 0;
		const stopAfterThree = {
			progress: () => void batches++,
			checkCancelled: () => {
				if (batches >= 3) throw new Error('worker lost');
			}
		};
		await expect(runDedupe(url, key, params('merge', { batchSize: 7 }), stopAfterThree)).rejects.toThrow('worker lost');
		const partly = await mergedRows(url, key.runId);
		expect(partly.length).toBeGreaterThan(0);
		expect(partly.length).toBeLessThan(expected.size);
		expect(await danglingReferences(url)).toEqual(NONE_DANGLING);

		const resumed = await runDedupe(url, key, params('merge', { batchSize: 7 }));
		expect(resumed.merged).toBe(expected.size);
		expect(await tableChecksums(url)).toEqual(afterMerge);

		await runDedupe(url, { runId: key.runId, stepId: 'undo' }, params('unmerge', { mergeStep: 'merge' }));
		expect(await tableChecksums(url)).toEqual(before);
	});

	it('an unmerge of a merge that never happened has nothing to undo', async () => {
		const out = await runDedupe(url, { runId: randomUUID(), stepId: 'merge.rollback' }, params('unmerge'));
		expect(out).toMatchObject({ restored: 0, merged: 0, duplicates: 0 });
		expect(out.report.notes[0]).toMatch(/nothing to undo/);
		expect(await tableChecksums(url)).toEqual(before);
	});
});

describe('the crm-data-hygiene runbook on the real stack', () => {
	const suffix = randomBytes(3).toString('hex');
	const target = `dedupe-${suffix}`;
	let admin: ApiClient;
	let approver: ApiClient;
	let worker: TestWorker;
	let url: string;

	const publish = async (yaml: string) => {
		const published = await admin.send('POST', '/api/v1/runbooks', yaml, 'application/yaml');
		expect(published.status, await published.clone().text()).toBe(201);
	};
	const start = async (name: string, inputs: Record<string, unknown> = {}) => {
		const { status, body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs });
		expect(status).toBe(201);
		return body.id;
	};

	beforeAll(async () => {
		[admin, worker, url] = await Promise.all([loginAsAdmin(), startWorker(), createOwnedDatabase('hygiene')]);
		await seedDuplicates(url);
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username: `approver-${suffix}`, password, roles: ['approver'], email: `approver-${suffix}@example.test` })).status).toBe(201);
		approver = await login(`approver-${suffix}`, password);
		expect((await admin.json('PUT', `/api/v1/secrets/${target}-db`, { value: url })).status).toBe(204);
		const registered = await admin.send('POST', '/api/v1/targets', `apiVersion: tend/v1\nkind: Target\nmetadata: { name: ${target}, title: Dedupe scratch }\nspec:\n  databases:\n    main: { url: "secret:${target}-db" }\n`, 'application/yaml');
		expect([200, 201]).toContain(registered.status);
	}, 120_000);
	afterAll(async () => {
		await worker?.stop();
	});

	it('dry run → approval showing the dry run → merge → report mailed to the admins; a later unmerge restores every table', async () => {
		const before = await tableChecksums(url);
		const builtIn = readFileSync(new URL('../../runbooks/crm-data-hygiene.yaml', import.meta.url), 'utf8');
		const name = `hygiene-${suffix}`;
		await publish(builtIn.replace('name: crm-data-hygiene', `name: ${name}`).replace('target: crm-demo', `target: ${target}`));
		const runId = await start(name);

		const item = await eventually('the merge approval in the approver’s inbox', async () => {
			const { body } = await approver.json<{ approvals: Array<{ runId: string; stepId: string; message: string; evidence: Array<{ path: string; value?: DedupeOutputs }> }> }>('GET', '/api/v1/approvals');
			return body.approvals.find((a) => a.runId === runId);
		});
		const dryRun = item.evidence[0].value!;
		expect(item.evidence[0].path).toBe('steps.dedupe.outputs');
		expect(dryRun.groups).toBeGreaterThan(150);
		expect(dryRun.report.examples).toHaveLength(20);
		expect(item.message).toBe(`Merge ${dryRun.duplicates} duplicate customers into ${dryRun.groups} survivors? The examples show each group, oldest customer first.`);
		expect(await tableChecksums(url)).toEqual(before);
		expect((await approver.json('POST', `/api/v1/runs/${runId}/steps/approve/decision`, { decision: 'approve' })).status).toBe(200);

		const run = await runEnded<RunView>(admin, runId, 180_000);
		expect(run.status, run.error ?? '').toBe('succeeded');
		const merged = run.steps.find((s) => s.id === 'merge')!.outputs as DedupeOutputs;
		expect(merged).toMatchObject({ merged: dryRun.duplicates, duplicates: dryRun.duplicates, groups: dryRun.groups });
		// app_logs.customer_id is no foreign key, and the built-in runbook does not name it in references.
		expect(await danglingReferences(url)).toMatchObject({ contacts: 0, deals: 0, activities: 0, 'customers.referred_by': 0 });
		const mail = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select rcpt_to, text from mail_sink where subject = $1', [`CRM data hygiene: ${dryRun.duplicates} duplicate customers merged`])).rows);
		expect(mail).toHaveLength(1);
		expect(mail[0].rcpt_to).toContain('admin@tend.local');
		expect(mail[0].text).toContain(`mergeRun ${runId}`);

		const undo = `undo-${suffix}`;
		await publish(`apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${undo}, title: Undo a merge }\nspec:\n  target: ${target}\n  inputs:\n    mergeRun: { type: string, required: true }\n  steps:\n    - { id: unmerge, uses: data.dedupe, risk: low, with: { database: main, mode: unmerge, mergeRun: "\${{ inputs.mergeRun }}", mergeStep: merge } }\n`);
		const undone = await runEnded<RunView>(admin, await start(undo, { mergeRun: runId }), 180_000);
		expect(undone.status, undone.error ?? '').toBe('succeeded');
		expect(undone.steps[0].outputs).toMatchObject({ restored: dryRun.duplicates, merged: 0 });
		expect(await tableChecksums(url)).toEqual(before);
	});
});
