import { eq } from 'drizzle-orm';
import { isAbsolute, join, resolve } from 'node:path';
import { targets } from '../db/schema/index.ts';
import { ownEndpoints, type AddressPolicy } from '../shared/address-policy.ts';
import { resolveSecretRef, SecretNotFoundError, secretKeys } from '../shared/secrets.ts';
import { LOGIN_PRIVILEGES_SQL, loginPrivileges, referenceFor, refusal, STEP_PURPOSE, type DatabaseStep, type LoginPrivileges, type LoginPrivilegesRow, type TargetDatabaseEntry } from '../shared/connection-privileges.ts';
import { nonRetryable } from './failures.ts';
import { withPgClient } from './pg-tools.ts';
import { sqlFailure } from './sql-session.ts';
import type { ActivityDeps } from './step-context.ts';

/** The parts of a Target document (DESIGN §3) that steps read. */
export interface TargetSpec {
	databases?: Record<string, TargetDatabaseEntry>;
	urls?: Record<string, string>;
	backups?: { location?: string; offsite?: string; retention?: { daily?: number; weekly?: number; monthly?: number } };
	audiences?: Record<string, string[]>;
	http?: { allowHosts?: string[] };
}

export async function loadTargetSpec({ db }: ActivityDeps, name: string): Promise<TargetSpec> {
	if (!name) throw nonRetryable('TargetNotFound', 'this step needs a target: set spec.target in the runbook');
	const [row] = await db.select({ document: targets.document }).from(targets).where(eq(targets.name, name));
	if (!row) throw nonRetryable('TargetNotFound', `target "${name}" is not registered`);
	return ((row.document as { spec?: TargetSpec }).spec ?? {}) as TargetSpec;
}

/**
 * The connection URL `step` uses for `database` on the target: the login the database names for the
 * step's purpose (shared/connection-privileges.ts), else its url, with its `secret:` reference
 * resolved — once the login has been checked: a superuser is refused unless the database allows
 * one, and a read-only check never runs as a login that reaches server files or programs.
 */
export async function targetDatabaseUrl(deps: ActivityDeps, target: string, database: string, step: DatabaseStep): Promise<string> {
	const spec = await loadTargetSpec(deps, target);
	// Own keys only: a step naming `constructor` must not find Object's.
	const entry = spec.databases && Object.hasOwn(spec.databases, database) ? spec.databases[database] : undefined;
	if (!entry) {
		const known = Object.keys(spec.databases ?? {});
		throw nonRetryable('InvalidStepParams', `target "${target}" has no database "${database}"${known.length ? ` (it has: ${known.join(', ')})` : ''}`);
	}
	const { reference, field } = referenceFor(entry, STEP_PURPOSE[step]);
	let url: string;
	try {
		url = await resolveSecretRef(deps.db, secretKeys(deps.config), reference);
	} catch (error) {
		if (error instanceof SecretNotFoundError) throw nonRetryable('SecretNotFound', error.message);
		throw error;
	}
	const refused = refusal(step, await privilegesOf(step, url), { target, database, field, allowSuperuser: entry.allowSuperuser === true });
	if (refused) throw nonRetryable(refused.type, refused.message);
	return url;
}

/** A login's rights change rarely; asking once a minute per URL keeps a step from opening a second session each time. */
const PRIVILEGES_TTL_MS = 60_000;
const knownPrivileges = new Map<string, { at: number; privileges: LoginPrivileges }>();

async function privilegesOf(step: DatabaseStep, url: string): Promise<LoginPrivileges> {
	const known = knownPrivileges.get(url);
	if (known && Date.now() - known.at < PRIVILEGES_TTL_MS) return known.privileges;
	let privileges: LoginPrivileges;
	try {
		privileges = await withPgClient(url, async (client) => loginPrivileges((await client.query<LoginPrivilegesRow>(LOGIN_PRIVILEGES_SQL)).rows[0]));
	} catch (error) {
		// Wrong password or database: final, as it would be from the step's own connection.
		throw sqlFailure(step, error);
	}
	knownPrivileges.set(url, { at: Date.now(), privileges });
	return privileges;
}

/** Where the target's backups go: `file:relative/path` is under TEND_HOME. */
export async function backupFolder(deps: ActivityDeps, target: string): Promise<string> {
	const spec = await loadTargetSpec(deps, target);
	return fileLocation(deps, spec.backups?.location ?? `file:backups/${target}`);
}

/** The folder of the target's second (offsite) copy, or null when the target names none. */
export async function offsiteFolder(deps: ActivityDeps, target: string): Promise<string | null> {
	const spec = await loadTargetSpec(deps, target);
	return spec.backups?.offsite ? fileLocation(deps, spec.backups.offsite) : null;
}

function fileLocation(deps: ActivityDeps, location: string): string {
	if (!location.startsWith('file:')) throw nonRetryable('InvalidStepParams', `backup location "${location}" is not supported yet; use file:PATH`);
	const path = location.slice('file:'.length);
	return isAbsolute(path) ? path : resolve(join(deps.config.TEND_HOME, path));
}

/**
 * Where the step's HTTP calls may connect: the target's `spec.http.allowHosts` (none without a
 * target) and Tend's own services from the worker's configuration. Read when the step runs, so a
 * target published again applies to the next attempt.
 */
export async function stepAddressPolicy(deps: ActivityDeps, target: string): Promise<AddressPolicy> {
	const spec = target ? await loadTargetSpec(deps, target) : {};
	return { allowHosts: spec.http?.allowHosts ?? [], own: ownEndpoints(deps.config) };
}
