import { describe, expect, it } from 'vitest';
import { STEP_TYPE_BY_USES, STEP_TYPES } from '../../runbooks/catalog.ts';
import { describeIssues } from '../../runbooks/issues.ts';
import { documentJsonSchema, runbookJsonSchema, stepWithJsonSchema, stepWithJsonSchemas, targetJsonSchema, windowJsonSchema, type JsonSchema } from '../../runbooks/json-schema.ts';
import { STEP_WITH_SCHEMAS } from '../../runbooks/step-schemas.ts';

/** The smallest `with` each step type accepts, and the fields it cannot do without (DESIGN §4). */
const CONTRACTS: Record<string, { minimal: Record<string, unknown>; required: string[]; full?: Record<string, unknown> }> = {
	'postgres.backup': { minimal: { database: 'main' }, required: ['database'], full: { database: 'main', format: 'directory', jobs: 4 } },
	'postgres.restore': { minimal: { database: 'main', backup: 'bk-1' }, required: ['database', 'backup'], full: { database: 'main', backup: '${{ steps.b.outputs.backupId }}', into: 'crm_scratch-1' } },
	'backup.verify': { minimal: { database: 'main' }, required: ['database'], full: { database: 'main', backup: 'bk-1' } },
	'backup.prune': { minimal: { database: 'main' }, required: ['database'], full: { database: 'main', keep: { daily: 7, weekly: 4, monthly: 0 } } },
	'sql.check': { minimal: { database: 'main', query: 'select true' }, required: ['database', 'query'], full: { database: 'main', query: 'select $1::int > 0', params: [1, 'x', null, '${{ inputs.n }}'], statementTimeout: '10s' } },
	'sql.exec': { minimal: { database: 'main', query: 'vacuum' }, required: ['database', 'query'], full: { database: 'main', query: 'delete from t where id = $1', params: [7], statementTimeout: '10m', lockTimeout: '2s' } },
	'http.check': { minimal: { url: 'https://x/healthz' }, required: ['url'], full: { url: '${{ target.urls.health }}', expectStatus: 200, bodyIncludes: 'ok', maxLatencyMs: 800 } },
	'http.request': { minimal: { url: 'https://x/hook' }, required: ['url'], full: { url: 'https://x/hook', method: 'POST', headers: { authorization: 'secret:hook' }, body: { a: 1 }, expectStatus: [200, 202], timeout: '30s' } },
	'postgres.migrate': { minimal: { database: 'main', bundle: 'crm-2.4.0' }, required: ['database', 'bundle'], full: { database: 'main', bundle: 'crm-${{ inputs.release }}', direction: 'down', statementTimeout: '15m', lockTimeout: 3000 } },
	'postgres.maintain': { minimal: { database: 'main' }, required: ['database'], full: { database: 'main', tasks: ['vacuum', 'index-report'], tables: ['crm.logs'], vacuum: true, analyze: false, reindex: ['crm.logs_at_idx'], report: true } },
	'data.dedupe': { minimal: { database: 'main', mode: 'dry-run' }, required: ['database', 'mode'], full: { database: 'main', mode: 'merge', keys: ['email', 'phone'], table: 'crm.customers', idColumn: 'id', createdAtColumn: 'created_at', columns: { email: 'email', phone: 'mobile', name: ['full_name'] }, emailAliases: true, similarity: 0.7, maxBlockSize: 20, maxGroupSize: 5, references: ['app_logs.customer_id'], maxGroups: 1000, batchSize: 100, mergeRun: '${{ run.id }}', mergeStep: 'merge' } },
	'data.purge': { minimal: { database: 'main', table: 'logs', olderThan: '90d' }, required: ['database', 'table', 'olderThan'], full: { database: 'main', table: 'crm.logs', olderThan: '2y', timestampColumn: 'at', batchSize: 5000, maxBatches: 10, archive: true, before: '${{ steps.archive.outputs.cutoff }}' } },
	'data.archive': { minimal: { database: 'main', table: 'deals', olderThan: '6mo' }, required: ['database', 'table', 'olderThan'], full: { database: 'main', table: 'deals', olderThan: '6mo', to: 'file' } },
	'logs.cleanup': { minimal: { database: 'main', olderThan: '30d' }, required: ['database', 'olderThan'], full: { database: 'main', table: 'logs', olderThan: '30d', archive: true, before: '2024-11-01T00:00:00Z' } },
	notify: { minimal: { to: ['role:member'], subject: 'hi' }, required: ['to', 'subject'], full: { to: ['role:admin', 'user:ann', 'ops@example.com'], channel: 'in-app', subject: 's', body: 'b' } },
	'training.assign': { minimal: { module: 'whats-new', to: ['role:member'] }, required: ['module', 'to'], full: { module: 'whats-new', to: ['role:member'], due: '14d' } },
	approval: {
		minimal: { approvers: ['role:approver'] },
		required: ['approvers'],
		full: { approvers: ['role:approver', 'user:bob'], quorum: 2, timeout: '4h', onTimeout: 'skip', message: 'Apply?', escalate: [{ after: '1h', to: 'role:lead' }], show: ['steps.dedupe.outputs'], fourEyes: false }
	},
	manual: { minimal: { checklist: ['Tell the team'] }, required: ['checklist'], full: { checklist: ['a', 'b'], assignees: ['role:responder'], instructions: 'x', timeout: '1d' } },
	wait: { minimal: { duration: '10m' }, required: [], full: { until: '2026-01-10T22:00:00Z' } },
	runbook: { minimal: { name: 'crm-nightly-backup' }, required: ['name'], full: { name: 'child', version: 3, inputs: { release: '1.2' } } }
};

describe('the step catalog', () => {
	it('has one with schema, a contract here and declared outputs for every step type', () => {
		expect(new Set(STEP_TYPES.map((t) => t.uses)).size).toBe(STEP_TYPES.length);
		expect(Object.keys(CONTRACTS).sort()).toEqual(STEP_TYPES.map((t) => t.uses).sort());
		for (const type of STEP_TYPES) {
			expect(type.withSchema).toBe(STEP_WITH_SCHEMAS[type.uses as keyof typeof STEP_WITH_SCHEMAS]);
			expect(type.outputs.length).toBeGreaterThan(0);
		}
	});

	it('declares the outputs DESIGN §4 promises', () => {
		expect(STEP_TYPE_BY_USES.get('postgres.backup')?.outputs).toEqual(['backupId', 'path', 'sizeBytes', 'sha256', 'startedAt', 'durationMs', 'offsitePath']);
		expect(STEP_TYPE_BY_USES.get('postgres.restore')?.outputs.slice(0, 2)).toEqual(['database', 'durationMs']);
		expect(STEP_TYPE_BY_USES.get('backup.verify')?.outputs).toEqual(['backupId', 'restoreMs', 'tablesCompared', 'mismatches', 'backupAgeSeconds']);
		expect(STEP_TYPE_BY_USES.get('sql.check')?.outputs).toEqual(['ok', 'rows']);
		expect(STEP_TYPE_BY_USES.get('data.dedupe')?.outputs).toEqual(['groups', 'duplicates', 'merged', 'restored', 'report']);
		expect(STEP_TYPE_BY_USES.get('approval')?.outputs).toEqual(['decisions']);
	});

	it.each(Object.entries(CONTRACTS))('%s accepts its minimal and full with, and requires exactly its required fields', (uses, contract) => {
		const schema = STEP_TYPE_BY_USES.get(uses)!.withSchema;
		expect(schema.safeParse(contract.minimal).success).toBe(true);
		if (contract.full) expect(schema.safeParse(contract.full).error?.issues).toBeUndefined();
		for (const field of contract.required) {
			const rest = Object.fromEntries(Object.entries(contract.minimal).filter(([key]) => key !== field));
			const parsed = schema.safeParse(rest);
			expect(parsed.success).toBe(false);
			expect(describeIssues(parsed.error!.issues, schema, [], rest)).toContainEqual({ path: [field], message: `"${field}" is required` });
		}
		const unknown = schema.safeParse({ ...contract.minimal, surprise: 1 });
		expect(describeIssues(unknown.error!.issues, schema)).toContainEqual(expect.objectContaining({ path: ['surprise'], key: true, message: expect.stringMatching(/^unknown field "surprise"/) }));
	});

	it('takes an expression in place of any typed field', () => {
		const expression = '${{ inputs.x }}';
		for (const [uses, contract] of Object.entries(CONTRACTS)) {
			const schema = STEP_TYPE_BY_USES.get(uses)!.withSchema;
			const shape = Object.keys((stepWithJsonSchema(uses)!.properties as JsonSchema) ?? {});
			for (const field of shape.filter((f) => !['escalate', 'show', 'checklist', 'inputs', 'body'].includes(f))) {
				const candidate = uses === 'wait' ? { [field]: expression } : { ...contract.minimal, [field]: expression };
				expect(schema.safeParse(candidate).success, `${uses}.${field}`).toBe(true);
			}
		}
	});
});

describe('JSON Schema', () => {
	it.each(STEP_TYPES.map((t) => t.uses))('for %s is an object schema naming every field, the required ones and no others', (uses) => {
		const schema = stepWithJsonSchema(uses)!;
		expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
		expect(schema.type).toBe('object');
		expect(schema.properties).toBeTypeOf('object');
		expect(schema.additionalProperties).toBe(false);
		expect([...((schema.required as string[] | undefined) ?? [])].sort()).toEqual([...CONTRACTS[uses].required].sort());
		for (const property of Object.values(schema.properties as Record<string, JsonSchema>)) expect(property.type !== undefined || property.anyOf !== undefined || property.oneOf !== undefined).toBe(true);
		expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
	});

	it('lists every step type, and says wait takes exactly one of its fields', () => {
		expect(Object.keys(stepWithJsonSchemas())).toEqual(STEP_TYPES.map((t) => t.uses));
		expect(stepWithJsonSchema('wait')!.oneOf).toEqual([{ required: ['duration'] }, { required: ['until'] }, { required: ['window'] }]);
		expect(stepWithJsonSchema('teleport')).toBeUndefined();
	});

	it('ties each step’s with to its uses in the Runbook schema', () => {
		const schema = runbookJsonSchema();
		const step = ((((schema.properties as JsonSchema).spec as JsonSchema).properties as JsonSchema).steps as JsonSchema).items as JsonSchema;
		expect((step.properties as Record<string, JsonSchema>).uses.enum).toEqual(STEP_TYPES.map((t) => t.uses));
		const rules = step.allOf as Array<{ if: JsonSchema; then: { properties: { with: JsonSchema } } }>;
		expect(rules).toHaveLength(STEP_TYPES.length);
		const backup = rules.find((r) => JSON.stringify(r.if).includes('"postgres.backup"'))!;
		expect(backup.then.properties.with.required).toEqual(['database']);
		expect(Object.keys((step.properties as JsonSchema) ?? {})).toEqual(expect.arrayContaining(['id', 'uses', 'with', 'needs', 'if', 'forEach', 'retry', 'timeout', 'onFailure', 'risk', 'rollback']));
	});

	it.each(['Runbook', 'Target', 'Window'] as const)('describes a %s document', (kind) => {
		const schema = documentJsonSchema(kind);
		expect(schema.type).toBe('object');
		expect(Object.keys(schema.properties as JsonSchema)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
		expect(((schema.properties as JsonSchema).kind as JsonSchema).const).toBe(kind);
		expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
	});

	it('documents defaults as optional, since it describes what an author writes', () => {
		const spec = (runbookJsonSchema().properties as JsonSchema).spec as JsonSchema;
		expect(spec.required).toEqual(['steps']);
		expect(((targetJsonSchema().properties as JsonSchema).spec as JsonSchema).required ?? []).toEqual([]);
		expect(((windowJsonSchema().properties as JsonSchema).spec as JsonSchema).required).toEqual(['kind', 'timezone']);
	});
});
