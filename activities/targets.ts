import { eq } from 'drizzle-orm';
import { isAbsolute, join, resolve } from 'node:path';
import { targets } from '../db/schema/index.ts';
import { ownEndpoints, type AddressPolicy } from '../shared/address-policy.ts';
import { resolveSecretRef, SecretNotFoundError, secretKeys } from '../shared/secrets.ts';
import { nonRetryable } from './failures.ts';
import type { ActivityDeps } from './step-context.ts';

/** The parts of a Target document (DESIGN §3) that steps read. */
export interface TargetSpec {
	databases?: Record<string, { url: string }>;
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

/** The connection URL of `database` on the target, with its `secret:` reference resolved. */
export async function targetDatabaseUrl(deps: ActivityDeps, target: string, database: string): Promise<string> {
	const spec = await loadTargetSpec(deps, target);
	// Own keys only: a step naming `constructor` must not find Object's.
	const entry = spec.databases && Object.hasOwn(spec.databases, database) ? spec.databases[database] : undefined;
	if (!entry) {
		const known = Object.keys(spec.databases ?? {});
		throw nonRetryable('InvalidStepParams', `target "${target}" has no database "${database}"${known.length ? ` (it has: ${known.join(', ')})` : ''}`);
	}
	try {
		return await resolveSecretRef(deps.db, secretKeys(deps.config), entry.url);
	} catch (error) {
		if (error instanceof SecretNotFoundError) throw nonRetryable('SecretNotFound', error.message);
		throw error;
	}
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
