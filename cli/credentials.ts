import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where `tend login` keeps the server and token: `$XDG_CONFIG_HOME/tend/credentials.json`, readable by its owner only. */
export interface Credentials {
	url: string;
	token: string;
}

export class NotConfiguredError extends Error {
	override name = 'NotConfiguredError';
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
	const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
	return join(configHome, 'tend', 'credentials.json');
}

function readStored(path: string): Partial<Credentials> {
	try {
		return JSON.parse(readFileSync(path, 'utf8')) as Partial<Credentials>;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
		throw new NotConfiguredError(`cannot read ${path}: ${(error as Error).message}`);
	}
}

/** TEND_URL and TEND_TOKEN win over the stored credentials, so a CI job needs no file. */
export function loadCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
	const path = credentialsPath(env);
	const stored = env.TEND_URL && env.TEND_TOKEN ? {} : readStored(path);
	const url = env.TEND_URL || stored.url;
	const token = env.TEND_TOKEN || stored.token;
	if (!url || !token) throw new NotConfiguredError(`not signed in: run \`tend login --url URL --username NAME\`, or set TEND_URL and TEND_TOKEN`);
	return { url: url.replace(/\/+$/, ''), token };
}

export function saveCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): string {
	const path = credentialsPath(env);
	mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
	writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
	// writeFileSync's mode applies only when it creates the file; an older file keeps its own.
	chmodSync(path, 0o600);
	return path;
}
