import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The generated first-admin password, kept in a file only its owner can read until that admin
 * first signs in (issue 15): a first start that fails after creating the admin cannot lose it,
 * and the next start prints it again. The database holds only its argon2id hash.
 */
export const FIRST_ADMIN_FILE = 'first-admin-password';

export const firstAdminFile = (home: string) => join(home, FIRST_ADMIN_FILE);

export function writeFirstAdminPassword(home: string, username: string, password: string): void {
	// Written before the user exists, so no state has a hash whose password is nowhere.
	writeFileSync(firstAdminFile(home), `${username}\n${password}\n`, { mode: 0o600 });
}

export function readFirstAdminPassword(home: string): { username: string; password: string } | null {
	const file = firstAdminFile(home);
	if (!existsSync(file)) return null;
	const [username, password] = readFileSync(file, 'utf8').split('\n');
	return username && password ? { username, password } : null;
}

/** Called when `username` has signed in: the file has done its job. */
export function forgetFirstAdminPassword(home: string, username: string): boolean {
	const kept = readFirstAdminPassword(home);
	if (!kept || kept.username !== username) return false;
	rmSync(firstAdminFile(home), { force: true });
	return true;
}
