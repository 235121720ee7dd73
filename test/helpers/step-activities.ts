import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createDb } from '../../db/client.ts';
import { targets } from '../../db/schema/index.ts';
import type { ActivityDeps, StepContext } from '../../activities/step-context.ts';
import { parseConfig } from '../../shared/config.ts';
import { putSecret, secretKeyFrom } from '../../shared/secrets.ts';

/**
 * Step activities called directly, as the worker calls them, against the integration stack's app
 * database: for tests that need to interrupt, retry or inspect a step between attempts, which a
 * whole run through Temporal would hide.
 */
export function stepDeps(): ActivityDeps {
	const raw = process.env.TEST_STACK_ENV;
	if (!raw) throw new Error('TEST_STACK_ENV is not set: run this suite through `npm test`');
	const config = parseConfig(JSON.parse(raw) as Record<string, string>);
	return { db: createDb(config.DATABASE_URL, { max: 2 }), config };
}

export interface TargetLogins {
	/** Logins per purpose (each stored as a secret like the url). */
	roles?: Partial<Record<'read' | 'backup' | 'owner', string>>;
	allowSuperuser?: boolean;
}

/** Registers `databaseUrl` as the `main` database of a new target, its URL stored as a secret like any other. */
export async function registerTarget(deps: ActivityDeps, databaseUrl: string, backupsFolder: string, logins: TargetLogins = {}): Promise<string> {
	const name = `t-${randomUUID().slice(0, 8)}`;
	const keys = secretKeyFrom(deps.config.TEND_SECRET_KEY);
	await putSecret(deps.db, keys, `${name}-db`, databaseUrl);
	const roles: Record<string, string> = {};
	for (const [purpose, url] of Object.entries(logins.roles ?? {})) {
		await putSecret(deps.db, keys, `${name}-${purpose}`, url);
		roles[purpose] = `secret:${name}-${purpose}`;
	}
	const main = { url: `secret:${name}-db`, ...(logins.roles ? { roles } : {}), ...(logins.allowSuperuser !== undefined ? { allowSuperuser: logins.allowSuperuser } : {}) };
	const document = {
		apiVersion: 'tend/v1',
		kind: 'Target',
		metadata: { name, title: `Test target ${name}` },
		spec: { databases: { main }, backups: { location: `file:${backupsFolder}` } }
	};
	await deps.db.insert(targets).values({ name, title: document.metadata.title, document });
	return name;
}

/** A run row for steps to record against (run events reference it); any published version will do. */
export async function newRun(deps: ActivityDeps, target: string): Promise<string> {
	const id = randomUUID();
	await deps.db.execute(
		sql`insert into runs (id, runbook_name, version_id, version, target, initiator, workflow_id)
			select ${id}, r.name, v.id, v.version, ${target}, 'test', ${`test-${id}`}
			  from runbook_versions v join runbooks r on r.id = v.runbook_id limit 1`
	);
	return id;
}

type Step<T> = (deps: ActivityDeps, ctx: StepContext, params: unknown) => Promise<T>;

export interface StepAttempt<T> {
	env: MockActivityEnvironment;
	/** Every heartbeat the attempt sent, oldest first. */
	heartbeats: unknown[];
	result: Promise<T>;
}

/** One attempt of a step; `info` carries what Temporal would hand a retry (attempt, the last heartbeat's details). */
export function attempt<T>(step: Step<T>, deps: ActivityDeps, ctx: StepContext, params: unknown, info: Partial<Info> = {}): StepAttempt<T> {
	const env = new MockActivityEnvironment(info);
	const heartbeats: unknown[] = [];
	env.on('heartbeat', (details: unknown) => heartbeats.push(details));
	return { env, heartbeats, result: env.run(step, deps, ctx, params) };
}
