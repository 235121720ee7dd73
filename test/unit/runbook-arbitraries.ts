import fc from 'fast-check';
import { stringify } from 'yaml';
import { FOR_EACH_OUTPUTS, STEP_TYPE_BY_USES, STEP_TYPES } from '../../runbooks/catalog.ts';
import { WEBHOOK_PRESETS } from '../../runbooks/step-schemas.ts';

/**
 * fast-check arbitraries for valid documents: runbooks whose steps' `with` follow each step
 * type's contract and whose expressions read only declared inputs and the outputs of steps
 * upstream. Property tests start from these and then break them.
 */

export interface Scope {
	inputs: Array<{ name: string; type: 'string' | 'number' | 'boolean' }>;
	/** Steps that finish before this one, with what their outputs hold. */
	upstream: Array<{ id: string; uses: string; forEach: boolean }>;
	/** Inside a forEach step's with. */
	item: boolean;
}

const EMPTY: Scope = { inputs: [], upstream: [], item: false };

const noExpression = (s: string) => !s.includes('${{');
export const plainText = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 })).filter(noExpression);
const nonEmptyPlain = plainText.filter((s) => s.length > 0);
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const key = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,8}$/);
const duration = fc.oneof(fc.constantFrom('500ms', '10s', '30m', '4h', '2d', '1.5h'), fc.nat({ max: 86_400_000 }));

/** A path the scope can read. */
function reference(scope: Scope): fc.Arbitrary<string> {
	const options: fc.Arbitrary<string>[] = [fc.constantFrom('run.id', 'run.runbook', 'run.version', 'run.initiator')];
	if (scope.inputs.length) options.push(fc.constantFrom(...scope.inputs.map((i) => `inputs.${i.name}`)));
	if (scope.item) options.push(fc.constantFrom('item', 'item.name', 'item[0]'));
	for (const step of scope.upstream) {
		const type = STEP_TYPE_BY_USES.get(step.uses)!;
		const outputs = step.forEach ? [...FOR_EACH_OUTPUTS, ...type.outputs.map((o) => `results[0].${o}`)] : type.outputs;
		options.push(fc.constantFrom(...outputs.map((o) => `steps.${step.id}.outputs.${o}`), `steps.${step.id}.outputs`));
	}
	return fc.oneof(...options);
}

const literal = fc.oneof(
	fc.integer({ min: -1000, max: 1000 }).map(String),
	fc.constantFrom('true', 'false', 'null', "'x'", '"y z"', "'it''s'", "'}}'")
);

/** The body of a well-formed expression: references, literals, comparisons, !, &&, || and parentheses. */
export function expressionBody(scope: Scope, depth = 1): fc.Arbitrary<string> {
	const leaf = fc.oneof({ weight: 3, arbitrary: reference(scope) }, { weight: 1, arbitrary: literal });
	if (depth === 0) return leaf;
	const inner = expressionBody(scope, depth - 1);
	return fc.oneof(
		{ weight: 4, arbitrary: leaf },
		{ weight: 1, arbitrary: fc.tuple(inner, fc.constantFrom('==', '!=', '<', '<=', '>', '>=', '&&', '||'), inner).map(([a, op, b]) => `${a} ${op} ${b}`) },
		{ weight: 1, arbitrary: inner.map((a) => `!${a}`) },
		{ weight: 1, arbitrary: inner.map((a) => `(${a})`) }
	);
}

export const wholeExpression = (scope: Scope) => expressionBody(scope).map((body) => `\${{ ${body} }}`);

/** Text, sometimes with expressions in it. */
function text(scope: Scope): fc.Arbitrary<string> {
	return fc.oneof(
		{ weight: 2, arbitrary: plainText },
		{ weight: 1, arbitrary: fc.tuple(plainText, expressionBody(scope), plainText).map(([a, body, c]) => `${a}\${{ ${body} }}${c}`) }
	);
}
const nonEmptyText = (scope: Scope) => text(scope).filter((s) => s.length > 0);
// A SQL step runs one statement, so a valid query holds no statement-ending semicolon.
const oneStatement = (scope: Scope) => nonEmptyText(scope).map((s) => s.replaceAll(';', ','));
const orWhole = <T>(scope: Scope, value: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: value }, { weight: 1, arbitrary: wholeExpression(scope) as fc.Arbitrary<T | string> });

const database = (scope: Scope) => orWhole(scope, fc.constantFrom('main', 'replica', 'crm_2'));
const recipient = (scope: Scope) =>
	fc.oneof(fc.constantFrom('role:admin', 'role:member', 'user:ann', 'ops@example.com'), wholeExpression(scope), expressionBody(scope).map((b) => `user:\${{ ${b} }}`));
const webhookAddress = (scope: Scope) => fc.oneof(fc.constantFrom('https://hooks.example.com/services/T0/B0/x', 'secret:slack-ops'), wholeExpression(scope), expressionBody(scope).map((b) => `https://hooks.example.com/\${{ ${b} }}`));
const principal = (scope: Scope) => fc.oneof(fc.constantFrom('role:approver', 'role:lead', 'user:bob'), expressionBody(scope).map((b) => `role:\${{ ${b} }}`));
const list = <T>(item: fc.Arbitrary<T>, minLength = 0) => fc.array(item, { minLength, maxLength: 2 });
const table = fc.constantFrom('logs', 'crm.logs', 'activity_log');
const httpUrl = (scope: Scope) => fc.oneof(fc.constantFrom('https://example.com/healthz', 'http://127.0.0.1:5173/healthz'), wholeExpression(scope), expressionBody(scope).map((b) => `https://\${{ ${b} }}/hook`));
const sqlParam = (scope: Scope) => fc.oneof(plainText, fc.integer(), fc.boolean(), fc.constant(null), wholeExpression(scope));

/** A valid `with` for each step type, given what the step may read. */
export const WITH: Record<string, (scope: Scope) => fc.Arbitrary<Record<string, unknown>>> = {
	'postgres.backup': (s) => fc.record({ database: database(s), format: orWhole(s, fc.constantFrom('custom', 'directory')), jobs: orWhole(s, fc.integer({ min: 1, max: 16 })) }, { requiredKeys: ['database'] }),
	'backup.verify': (s) => fc.record({ database: database(s), backup: nonEmptyText(s) }, { requiredKeys: ['database'] }),
	'backup.prune': (s) =>
		fc.record({ database: database(s), keep: orWhole(s, fc.record({ daily: fc.integer({ min: 0, max: 30 }), weekly: fc.integer({ min: 0, max: 10 }), monthly: fc.integer({ min: 0, max: 24 }) }, { requiredKeys: [] })) }, { requiredKeys: ['database'] }),
	'postgres.restore': (s) => fc.record({ database: database(s), backup: nonEmptyText(s), into: orWhole(s, fc.oneof(name, fc.constantFrom('crm_restore_drill', 'scratch_1'))) }, { requiredKeys: ['database', 'backup'] }),
	'sql.check': (s) => fc.record({ database: database(s), query: oneStatement(s), params: list(sqlParam(s)) }, { requiredKeys: ['database', 'query'] }),
	'sql.exec': (s) => fc.record({ database: database(s), query: oneStatement(s), params: list(sqlParam(s)) }, { requiredKeys: ['database', 'query'] }),
	'http.check': (s) =>
		fc.record({ url: httpUrl(s), expectStatus: orWhole(s, fc.integer({ min: 100, max: 599 })), bodyIncludes: text(s), maxLatencyMs: fc.integer({ min: 1, max: 600_000 }) }, { requiredKeys: ['url'] }),
	'http.request': (s) =>
		fc.record(
			{
				url: httpUrl(s),
				method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'),
				headers: fc.dictionary(key, text(s), { maxKeys: 3 }),
				body: fc.oneof(text(s), fc.dictionary(key, fc.oneof(plainText, fc.integer()), { maxKeys: 3 })),
				expectStatus: fc.oneof(fc.integer({ min: 100, max: 599 }), list(fc.integer({ min: 100, max: 599 }), 1)),
				timeout: duration
			},
			{ requiredKeys: ['url'] }
		),
	'postgres.migrate': (s) =>
		fc.record({ database: database(s), bundle: fc.oneof(fc.constantFrom('crm-2.4.0', 'v7'), expressionBody(s).map((b) => `crm-\${{ ${b} }}`)), direction: fc.constantFrom('up', 'down') }, { requiredKeys: ['database', 'bundle'] }),
	'postgres.maintain': (s) => fc.record({ database: database(s), tasks: list(fc.constantFrom('vacuum', 'analyze', 'reindex', 'index-report')), tables: list(table) }, { requiredKeys: ['database'] }),
	'data.dedupe': (s) => fc.record({ database: database(s), mode: orWhole(s, fc.constantFrom('dry-run', 'merge')), keys: list(fc.constantFrom('email', 'phone', 'name')) }, { requiredKeys: ['database', 'mode'] }),
	'data.purge': (s) => retention(s, {}),
	'data.archive': (s) => retention(s, { to: fc.constantFrom('schema:archive', 'file:archive/deals.gz') }),
	'logs.cleanup': (s) => retention(s, {}),
	notify: (s) =>
		fc.oneof(
			fc.record({ to: fc.oneof({ weight: 4, arbitrary: list(recipient(s), 1) }, { weight: 1, arbitrary: wholeExpression(s) }), channel: fc.constantFrom('email', 'in-app'), subject: nonEmptyText(s), body: text(s) }, { requiredKeys: ['to', 'subject'] }),
			// A webhook goes to addresses, never to people.
			fc.record(
				{ to: fc.oneof({ weight: 4, arbitrary: list(webhookAddress(s), 1) }, { weight: 1, arbitrary: wholeExpression(s) }), channel: fc.constant('webhook'), preset: orWhole(s, fc.constantFrom(...WEBHOOK_PRESETS)), subject: nonEmptyText(s), body: text(s) },
				{ requiredKeys: ['to', 'channel', 'subject'] }
			)
		),
	'training.assign': (s) => fc.record({ module: name, to: list(principal(s), 1), due: duration }, { requiredKeys: ['module', 'to'] }),
	approval: (s) =>
		fc.record(
			{
				approvers: list(principal(s), 1),
				quorum: fc.integer({ min: 1, max: 5 }),
				timeout: duration,
				onTimeout: fc.constantFrom('fail', 'skip'),
				message: text(s),
				escalate: list(fc.record({ after: duration, to: principal(s) })),
				show: list(reference(s)),
				fourEyes: fc.boolean()
			},
			{ requiredKeys: ['approvers'] }
		),
	manual: (s) => fc.record({ checklist: list(nonEmptyPlain, 1), assignees: list(principal(s)), instructions: text(s), timeout: duration }, { requiredKeys: ['checklist'] }),
	wait: () => fc.oneof(fc.record({ duration }), fc.record({ until: fc.constantFrom('2026-01-10T22:00:00Z', '2026-03-29T01:30+02:00') }), fc.record({ window: name })),
	runbook: (s) =>
		fc.record({ name: orWhole(s, fc.constantFrom('child-one', 'child-two')), version: fc.integer({ min: 1, max: 100 }), inputs: fc.dictionary(key, fc.oneof(text(s), fc.integer(), fc.boolean()), { maxKeys: 3 }) }, { requiredKeys: ['name'] })
};

function retention(scope: Scope, extra: Record<string, fc.Arbitrary<unknown>>) {
	return fc.record(
		{
			database: database(scope),
			table,
			olderThan: fc.constantFrom('90d', '36h', '12w', '6mo', '2y'),
			timestampColumn: fc.constantFrom('created_at', 'at'),
			batchSize: fc.integer({ min: 1, max: 100_000 }),
			maxBatches: fc.integer({ min: 1, max: 1000 }),
			...extra
		},
		{ requiredKeys: ['database', 'table', 'olderThan'] }
	);
}

/** Any step type with a scope, for checking the `with` schemas themselves. */
export const anyWith = fc
	.record({ uses: fc.constantFrom(...STEP_TYPES.map((t) => t.uses)), inputs: fc.uniqueArray(key, { maxLength: 3 }), upstream: fc.subarray(STEP_TYPES.map((t) => t.uses), { maxLength: 3 }) })
	.chain(({ uses, inputs, upstream }) => {
		const scope: Scope = { inputs: inputs.map((n) => ({ name: n, type: 'string' })), upstream: upstream.map((u, i) => ({ id: `s${i}`, uses: u, forEach: false })), item: false };
		return WITH[uses](scope).map((value) => ({ uses, value }));
	});

const inputArbitrary = fc.constantFrom('string', 'number', 'boolean').chain((type) =>
	fc.record(
		{
			type: fc.constant(type),
			required: fc.boolean(),
			default: type === 'string' ? plainText : type === 'number' ? fc.integer({ min: -999, max: 999 }) : fc.boolean()
		},
		{ requiredKeys: ['type'] }
	)
);

interface Shape {
	id: string;
	uses: string;
	needs?: number[];
	forEach: boolean;
	hasIf: boolean;
	hasRollback: boolean;
	extras: Record<string, unknown>;
}

const someExtras = fc.record(
	{
		name: plainText,
		timeout: duration,
		onFailure: fc.constantFrom('rollback', 'stop', 'continue'),
		risk: fc.constantFrom('low', 'medium'),
		retry: fc.record({ maxAttempts: fc.integer({ min: 1, max: 10 }), initialInterval: duration, backoff: fc.integer({ min: 1, max: 10 }), maxInterval: duration }, { requiredKeys: [] })
	},
	{ requiredKeys: [] }
);
// Most steps carry none of these; documents stay small, so more of them fit in the time the tests have.
const stepExtras = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: someExtras });

/** Steps that finish before step `index`: its needs (or the step before it), and theirs. */
export function upstreamOf(shapes: ReadonlyArray<{ needs?: number[] }>, index: number): number[] {
	const seen = new Set<number>();
	const stack = [...(shapes[index].needs ?? (index > 0 ? [index - 1] : []))];
	while (stack.length) {
		const next = stack.pop()!;
		if (seen.has(next)) continue;
		seen.add(next);
		stack.push(...(shapes[next].needs ?? (next > 0 ? [next - 1] : [])));
	}
	return [...seen].sort((a, b) => a - b);
}

/** A valid Runbook document as plain data, using only the step types that can run today. */
export function runbookDocument(types: readonly string[] = STEP_TYPES.filter((t) => t.available).map((t) => t.uses)) {
	const skeleton = fc
		.record({
			name: name.map((n) => `rb-${n}`),
			title: fc.string({ minLength: 1, maxLength: 12 }),
			tags: fc.array(plainText, { maxLength: 1 }),
			description: fc.option(plainText, { nil: undefined }),
			inputs: fc.uniqueArray(fc.tuple(key, inputArbitrary), { selector: ([k]) => k, maxLength: 2 }),
			target: fc.option(name, { nil: undefined }),
			onFailure: fc.option(fc.constantFrom('rollback', 'stop', 'continue'), { nil: undefined }),
			ids: fc.uniqueArray(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,6}$/), { minLength: 1, maxLength: 4 })
		})
		.chain((base) =>
			fc
				.tuple(
					...base.ids.map((id, i) =>
						fc.record({
							id: fc.constant(id),
							uses: fc.constantFrom(...types),
							needs: i === 0 ? fc.option(fc.constant([] as number[]), { nil: undefined }) : fc.option(fc.subarray([...Array(i).keys()]), { nil: undefined, freq: 2 }),
							forEach: fc.constantFrom(false, false, false, true),
							hasIf: fc.boolean(),
							hasRollback: fc.constantFrom(false, false, true),
							extras: stepExtras
						})
					)
				)
				.map((shapes) => ({ base, shapes: shapes as Shape[] }))
		);

	return skeleton.chain(({ base, shapes }) => {
		const inputs = base.inputs.map(([n, input]) => ({ name: n, type: input.type as Scope['inputs'][number]['type'] }));
		const steps = shapes.map((shape, i) => {
			const upstream = upstreamOf(shapes, i).map((j) => ({ id: shapes[j].id, uses: shapes[j].uses, forEach: shapes[j].forEach }));
			const scope: Scope = { inputs, upstream, item: false };
			const self = { id: shape.id, uses: shape.uses, forEach: shape.forEach };
			return fc.record({
				with: WITH[shape.uses]({ ...scope, item: shape.forEach }),
				if: shape.hasIf ? expressionBody(scope, 2).map((body) => `\${{ ${body} }}`) : fc.constant(undefined),
				forEach: shape.forEach
					? fc.record({ items: fc.oneof(fc.array(fc.oneof(plainText, fc.integer()), { maxLength: 3 }), wholeExpression(scope)), maxConcurrency: fc.integer({ min: 1, max: 10 }), maxErrors: fc.nat({ max: 5 }) }, { requiredKeys: ['items'] })
					: fc.constant(undefined),
				rollback: shape.hasRollback ? WITH.notify({ ...scope, upstream: [...upstream, self], item: shape.forEach }).map((w) => ({ uses: 'notify', with: w })) : fc.constant(undefined)
			});
		});
		return fc.tuple(...steps).map((parts) => ({
			apiVersion: 'tend/v1',
			kind: 'Runbook',
			metadata: prune({ name: base.name, title: base.title, tags: base.tags, description: base.description }),
			spec: prune({
				target: base.target,
				inputs: Object.fromEntries(base.inputs),
				onFailure: base.onFailure,
				steps: shapes.map((shape, i) =>
					prune({ id: shape.id, uses: shape.uses, needs: shape.needs?.map((j) => shapes[j].id), ...shape.extras, ...parts[i] })
				)
			})
		}));
	});
}

/** Drops keys whose value is undefined, as a serialiser would. */
function prune<T extends Record<string, unknown>>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const targetDocument = fc.record({
	apiVersion: fc.constant('tend/v1'),
	kind: fc.constant('Target'),
	metadata: fc.record({ name, title: fc.string({ minLength: 1, maxLength: 20 }) }),
	spec: fc.record(
		{
			databases: fc.dictionary(key, fc.record({ url: fc.constantFrom('secret:crm-db', 'postgres://crm@db:5432/crm') }), { maxKeys: 3 }),
			urls: fc.dictionary(key, fc.constantFrom('https://crm.example.com/healthz', 'http://127.0.0.1:5173/'), { maxKeys: 3 }),
			backups: fc.record(
				{ location: fc.constantFrom('file:backups/crm', 'file:/srv/backups'), offsite: fc.constant('file:/mnt/offsite'), retention: fc.record({ daily: fc.nat(30), weekly: fc.nat(10), monthly: fc.nat(24) }, { requiredKeys: [] }) },
				{ requiredKeys: ['location'] }
			),
			audiences: fc.dictionary(key, list(fc.constantFrom('role:member', 'user:ann', 'crm@example.com'), 1), { maxKeys: 3 })
		},
		{ requiredKeys: [] }
	)
});

const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const day = fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

export const windowDocument = fc.record({
	apiVersion: fc.constant('tend/v1'),
	kind: fc.constant('Window'),
	metadata: fc.record({ name, title: fc.string({ minLength: 1, maxLength: 20 }) }),
	spec: fc.record({
		kind: fc.constantFrom('maintenance', 'freeze'),
		timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Shanghai', 'America/New_York'),
		weekly: fc.array(fc.record({ days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { minLength: 1 }), start: clock, duration: fc.constantFrom('30m', '6h', '2d') }), { minLength: 1, maxLength: 3 }),
		ranges: fc.array(fc.tuple(day, clock).map(([d, c]) => ({ from: `${d}T${c}`, to: `${Number(d.slice(0, 4)) + 1}${d.slice(4)}` })), { maxLength: 2 })
	})
});

export { EMPTY as emptyScope };

type Write = (doc: unknown) => string;
const writer = (write: Write, weight: number) => ({ weight, arbitrary: fc.constant(write) });

/** The ways a document can be written: block and flow YAML, compact and indented JSON (rarer: longer, so slower, and no different to parse). */
export const serialise: fc.Arbitrary<Write> = fc.oneof(
	writer((doc) => stringify(doc), 4),
	writer((doc) => stringify(doc, { collectionStyle: 'flow' }), 3),
	writer((doc) => JSON.stringify(doc), 3),
	writer((doc) => JSON.stringify(doc, null, 2), 1),
	writer((doc) => JSON.stringify(doc, null, '\t'), 1)
);
