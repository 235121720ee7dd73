import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { roles, ROLES, settings, userRoles, users, type Role } from '../db/schema/index.ts';
import { parseRunbook, parseTrainingModule } from '../runbooks/parse.ts';
import { generateOneTimePassword } from '../shared/account-passwords.ts';
import { readFirstAdminPassword, writeFirstAdminPassword } from '../shared/first-admin.ts';
import { hashPassword } from '../shared/passwords.ts';
import { putSecret, type SecretKeys } from '../shared/secrets.ts';
import { publishRunbook } from '../shared/runbook-store.ts';
import { putTarget } from '../shared/target-store.ts';
import { publishTrainingModule } from '../shared/training-store.ts';
import { putWindow, windowNames } from '../shared/window-store.ts';
import { publishDrill } from '../shared/drill-store.ts';

const ROLE_DESCRIPTIONS: Record<Role, string> = {
	admin: 'Everything, including users, secrets and the emergency stop',
	author: 'Composes and publishes runbooks, registers targets',
	approver: 'Signs off on risky steps',
	responder: 'Runs recovery runbooks and drills',
	operator: 'Starts published runbooks',
	viewer: 'Watches runs and reports',
	member: 'Uses the maintained system: takes training, gives feedback'
};

export const builtInRunbooksFolder = fileURLToPath(new URL('../runbooks', import.meta.url));
export const builtInWindowsFolder = fileURLToPath(new URL('../runbooks/windows', import.meta.url));
export const builtInDrillsFolder = fileURLToPath(new URL('../runbooks/drills', import.meta.url));
export const builtInTrainingFolder = fileURLToPath(new URL('../runbooks/training', import.meta.url));

export interface FirstAdmin {
	username: string;
	/** The generated password while nobody has signed in with it yet (it stays in TEND_HOME until then). */
	password?: string;
	/** True when `password` was generated: the first sign-in must replace it. */
	generated?: boolean;
}

/**
 * Creates the first admin if there is none. A generated password goes into an owner-only file
 * under `home` before the user exists, and the user must change it at the first sign-in; a
 * password chosen through TEND_ADMIN_PASSWORD is the operator's own and is kept.
 */
export async function ensureAdmin(db: Db, home: string, password?: string): Promise<FirstAdmin> {
	const existing = await db.select({ id: userRoles.userId }).from(userRoles).where(eq(userRoles.role, 'admin')).limit(1);
	if (existing.length) {
		const kept = readFirstAdminPassword(home);
		return kept ? { username: kept.username, password: kept.password, generated: true } : { username: 'admin' };
	}
	const chosen = password ?? generateOneTimePassword();
	if (!password) writeFirstAdminPassword(home, 'admin', chosen);
	await db.transaction(async (tx) => {
		const [admin] = await tx
			.insert(users)
			.values({ username: 'admin', email: 'admin@tend.local', displayName: 'Administrator', passwordHash: await hashPassword(chosen), mustChangePassword: !password })
			.returning({ id: users.id });
		await tx.insert(userRoles).values({ userId: admin.id, role: 'admin' });
	});
	return { username: 'admin', password: chosen, generated: !password };
}

/**
 * The embedded default's sign-in policy, written once at the first start: nobody is made to enrol
 * a second factor, so `npm ci && npm start` and a browser are all the quick start needs. Without
 * this row (a production install) the code's default requires it of admins and approvers.
 */
export async function ensureEmbeddedSettings(db: Db): Promise<void> {
	await db
		.insert(settings)
		.values({ key: 'mfa', value: { requiredFor: [], stepUpMinutes: 15 }, updatedBy: 'system' })
		.onConflictDoNothing();
}

export async function ensureRoles(db: Db): Promise<void> {
	await db
		.insert(roles)
		.values(ROLES.map((name) => ({ name, description: ROLE_DESCRIPTIONS[name] })))
		.onConflictDoNothing();
}

/**
 * The demo CRM target. Its connection URLs are stored as encrypted secrets, the document only
 * names them: one login per purpose (dev/database-roles.ts), none of them a superuser.
 */
export async function ensureDemoTarget(db: Db, secretKey: SecretKeys, logins: Record<'owner' | 'backup' | 'read', string>, webUrl: string): Promise<void> {
	// crm-demo-db held the cluster superuser's URL before; it is the owner's now.
	await putSecret(db, secretKey, 'crm-demo-db', logins.owner);
	await putSecret(db, secretKey, 'crm-demo-backup', logins.backup);
	await putSecret(db, secretKey, 'crm-demo-read', logins.read);
	const document = {
		apiVersion: 'tend/v1',
		kind: 'Target',
		metadata: { name: 'crm-demo', title: 'Demo CRM' },
		spec: {
			databases: { main: { url: 'secret:crm-demo-db', roles: { read: 'secret:crm-demo-read', backup: 'secret:crm-demo-backup', owner: 'secret:crm-demo-db' } } },
			urls: { health: `${webUrl}/healthz` },
			backups: { location: 'file:backups/crm-demo', retention: { daily: 7, weekly: 4, monthly: 12 } },
			audiences: { members: ['role:member'] },
			// The health URL is Tend's own web app on this machine: reachable only because the target names it with its port.
			http: { allowHosts: [new URL(webUrl).host] }
		}
	};
	const put = await putTarget(db, JSON.stringify(document), 'application/json', { username: 'system' });
	if (!put.ok) throw new Error(`the demo target is invalid: ${put.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
}

/**
 * Installs runbooks/*.yaml. A built-in whose file changed gets a new version; a run keeps the
 * version it pinned. An invalid built-in stops the start with its errors: it is our bug.
 */
export async function installBuiltInRunbooks(db: Db, folder = builtInRunbooksFolder): Promise<string[]> {
	const installed: string[] = [];
	const windows = await windowNames(db);
	for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort()) {
		const source = readFileSync(join(folder, file), 'utf8');
		const parsed = parseRunbook(source, { windows });
		if (!parsed.ok) throw new Error(`built-in runbook ${file} is invalid: ${parsed.errors.map((e) => `${e.path} (line ${e.line}): ${e.message}`).join('; ')}`);
		const published = await publishRunbook(db, parsed.document, source, { username: 'system', builtIn: file });
		if (published.created) installed.push(`${published.name} v${published.version}`);
	}
	return installed;
}

/**
 * Defines runbooks/windows/*.yaml that are not defined yet, before the runbooks that name them.
 * One already there is left as it is: admins adjust windows to their own hours and zone.
 */
export async function installBuiltInWindows(db: Db, folder = builtInWindowsFolder): Promise<string[]> {
	const installed: string[] = [];
	for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort()) {
		const put = await putWindow(db, readFileSync(join(folder, file), 'utf8'), 'application/yaml', { username: 'system' }, { keepExisting: true });
		if (!put.ok) throw new Error(`built-in window ${file} is invalid: ${put.errors.map((e) => `${e.path} (line ${e.line}): ${e.message}`).join('; ')}`);
		if (put.created) installed.push(put.name);
	}
	return installed;
}

/**
 * Publishes runbooks/drills/*.yaml after the runbooks they recover with; a changed file is a new
 * version. An invalid built-in stops the start with its errors: it is our bug.
 */
export async function installBuiltInDrills(db: Db, folder = builtInDrillsFolder): Promise<string[]> {
	const installed: string[] = [];
	for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort()) {
		const published = await publishDrill(db, readFileSync(join(folder, file), 'utf8'), { username: 'system', builtIn: file });
		if (!published.ok) throw new Error(`built-in drill ${file} is invalid: ${published.errors.map((e) => `${e.path} (line ${e.line}): ${e.message}`).join('; ')}`);
		if (published.created) installed.push(`${published.name} v${published.version}`);
	}
	return installed;
}

/**
 * Publishes runbooks/training/*.yaml (the demo's modules), as built-in runbooks are: a changed
 * file becomes a new version, which assignments take from their next cycle.
 */
export async function installBuiltInTrainingModules(db: Db, folder = builtInTrainingFolder): Promise<string[]> {
	const installed: string[] = [];
	for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort()) {
		const source = readFileSync(join(folder, file), 'utf8');
		const parsed = parseTrainingModule(source);
		if (!parsed.ok) throw new Error(`built-in training module ${file} is invalid: ${parsed.errors.map((e) => `${e.path} (line ${e.line}): ${e.message}`).join('; ')}`);
		const published = await publishTrainingModule(db, parsed.document, source, { username: 'system', builtIn: file });
		if (published.created) installed.push(`${published.name} v${published.version}`);
	}
	return installed;
}
