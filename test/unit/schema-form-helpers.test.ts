import { describe, expect, it } from 'vitest';
import { stepWithJsonSchema } from '../../runbooks/json-schema.ts';
import { check, defaultOf, errorsAt, fromText, humanise, pick, representations, withKey, type JsonSchema } from '../../web/src/lib/builder/form/schema-form.ts';
import { RETRY_SCHEMA, withRollbackUses, withStepField } from '../../web/src/lib/builder/form/step-settings.ts';

const property = (uses: string, name: string) => (stepWithJsonSchema(uses)!.properties as Record<string, JsonSchema>)[name];
const kinds = (schema: JsonSchema) => representations(schema).map((r) => r.kind);

describe('reading a step type’s JSON Schema for the form', () => {
	it('names fields and finds defaults in the schema or its description', () => {
		expect(humanise('statementTimeout')).toBe('Statement timeout');
		expect(humanise('maxLatencyMs')).toBe('Max latency ms');
		expect(defaultOf(property('postgres.backup', 'format'))).toBe('custom');
		expect(defaultOf(property('http.request', 'method'))).toBe('GET');
		expect(defaultOf(property('postgres.maintain', 'tasks'))).toBe('all of them');
		expect(defaultOf((RETRY_SCHEMA.properties as Record<string, JsonSchema>).maxAttempts)).toBe('3');
		expect(defaultOf(property('postgres.backup', 'database'))).toBeUndefined();
	});

	it('gives each shape of field one control, merging text with numbers and expressions', () => {
		expect(kinds(property('postgres.backup', 'database'))).toEqual(['text']);
		expect(kinds(property('postgres.backup', 'jobs'))).toEqual(['number']);
		expect(representations(property('approval', 'timeout'))).toMatchObject([{ kind: 'text', numeric: true }]);
		expect(kinds(property('notify', 'channel'))).toEqual(['choice', 'expression']);
		expect(kinds(property('approval', 'fourEyes'))).toEqual(['boolean', 'expression']);
		expect(kinds(property('notify', 'to'))).toEqual(['list', 'expression']);
		expect(kinds(property('backup.prune', 'keep'))).toEqual(['group', 'expression']);
		expect(kinds(property('postgres.maintain', 'reindex'))).toEqual(['choice', 'list', 'expression']);
		expect(kinds(property('http.request', 'headers'))).toEqual(['raw', 'expression']);
	});

	it('picks the representation from the value, and keeps the one chosen while the value fits it', () => {
		const channel = representations(property('notify', 'channel'));
		expect(pick(channel, 'email').kind).toBe('choice');
		expect(pick(channel, '${{ inputs.channel }}').kind).toBe('expression');
		expect(pick(channel, '$', 'expression').kind).toBe('expression');
		expect(pick(channel, undefined).kind).toBe('choice');
		expect(pick(representations(property('postgres.backup', 'database')), { odd: true }).kind).toBe('raw');
		expect(pick(representations(property('postgres.maintain', 'reindex')), ['users_pkey']).kind).toBe('list');
	});

	it('turns typed digits into numbers only where the field takes numbers', () => {
		expect(fromText('4', true)).toBe(4);
		expect(fromText('4', false)).toBe('4');
		expect(fromText('30m', true)).toBe('30m');
		expect(fromText('', true)).toBeUndefined();
	});
});

describe('checking a value as it is typed', () => {
	it('passes a union when any branch does', () => {
		expect(check(property('postgres.backup', 'jobs'), 4, false)).toBeUndefined();
		expect(check(property('postgres.backup', 'jobs'), '${{ inputs.jobs }}', false)).toBeUndefined();
		expect(check(property('approval', 'timeout'), '4h', false)).toBeUndefined();
	});

	it('reports required, bounds, enum, pattern, type and minItems', () => {
		expect(check(property('postgres.backup', 'database'), undefined, true)).toEqual({ code: 'required' });
		expect(check(property('postgres.backup', 'database'), undefined, false)).toBeUndefined();
		expect(check(property('postgres.backup', 'jobs'), 17, false)).toEqual({ code: 'maximum', params: { limit: 16 } });
		expect(check(property('postgres.backup', 'jobs'), 2.5, false)).toEqual({ code: 'integer' });
		expect(check(property('postgres.backup', 'jobs'), 'four', false)).toEqual({ code: 'type', params: { expected: 'integer' } });
		expect(check(property('notify', 'channel'), 'sms', false)).toEqual({ code: 'enum', params: { values: 'email, webhook, in-app' } });
		expect(check(property('wait', 'window'), 'Weekend Night', false)).toEqual({ code: 'name' });
		expect(check(property('wait', 'until'), 'tomorrow', false)).toEqual({ code: 'dateTime' });
		expect(check(property('data.dedupe', 'similarity'), 0, false)).toEqual({ code: 'exclusiveMinimum', params: { limit: 0 } });
		expect(check(property('manual', 'checklist'), [], true)).toEqual({ code: 'minItems', params: { count: 1 } });
		expect(check((RETRY_SCHEMA.properties as Record<string, JsonSchema>).initialInterval, '5 seconds', false)).toEqual({ code: 'duration' });
	});
});

describe('building the new step', () => {
	it('removes emptied fields instead of writing empty values', () => {
		expect(withKey({ database: 'main', jobs: 4 }, 'jobs', undefined)).toEqual({ database: 'main' });
		expect(withKey({ database: 'main', to: ['a'] }, 'to', [])).toEqual({ database: 'main' });
		expect(withKey({ database: 'main' }, 'format', 'custom')).toEqual({ database: 'main', format: 'custom' });
		expect(withStepField({ id: 'a', uses: 'notify', retry: { maxAttempts: 2 } }, 'retry', {})).toEqual({ id: 'a', uses: 'notify' });
		expect(withStepField({ id: 'a', uses: 'notify' }, 'id', undefined)).toEqual({ id: '', uses: 'notify' });
	});

	it('keeps a rollback’s parameters that its new type also has', () => {
		const restore = stepWithJsonSchema('postgres.restore');
		expect(withRollbackUses({ uses: 'postgres.backup', with: { database: 'main', jobs: 2 } }, 'postgres.restore', restore)).toEqual({ uses: 'postgres.restore', with: { database: 'main' } });
		expect(withRollbackUses(undefined, 'notify', stepWithJsonSchema('notify'))).toEqual({ uses: 'notify' });
		expect(withRollbackUses({ uses: 'notify' }, '', undefined)).toBeUndefined();
	});

	it('matches findings by path whichever way indices are written', () => {
		const errors = [
			{ path: 'with.to[1]', message: 'a' },
			{ path: 'with.to.1', message: 'b' },
			{ path: 'with.to', message: 'c' }
		];
		expect(errorsAt(errors, 'with.to[1]').map((e) => e.message)).toEqual(['a', 'b']);
		expect(errorsAt(errors, 'with.to').map((e) => e.message)).toEqual(['c']);
		expect(errorsAt(errors, 'with.to', true).map((e) => e.message)).toEqual(['a', 'b', 'c']);
	});
});
