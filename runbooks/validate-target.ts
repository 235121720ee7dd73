import type { Finding } from './source.ts';
import { suggestion } from './suggest.ts';
import type { TargetDocument } from './target-schema.ts';

/** What a target's references are checked against; a check runs only when its list is given. */
export interface TargetContext {
	/** Names of the stored secrets (never their values). */
	secrets?: readonly string[];
}

const SECRET_REF = /^secret:(.+)$/;

/**
 * Checks a Target that has the right shape against what exists: a `secret:NAME` that names no
 * stored secret would only fail when a step first connects, so it is refused when published.
 */
export function validateTarget(target: TargetDocument, context: TargetContext = {}): Finding[] {
	const findings: Finding[] = [];
	const { secrets } = context;
	if (!secrets) return findings;
	for (const [name, database] of Object.entries(target.spec.databases)) {
		const references: Array<[string[], string]> = [[['url'], database.url], ...Object.entries(database.roles ?? {}).flatMap(([role, url]): Array<[string[], string]> => (url ? [[['roles', role], url]] : []))];
		for (const [at, url] of references) {
			const secret = SECRET_REF.exec(url)?.[1];
			if (secret === undefined || secrets.includes(secret)) continue;
			findings.push({ path: ['spec', 'databases', name, ...at], message: missingSecretMessage(secret, secrets) });
		}
	}
	return findings;
}

/**
 * Only a close match is offered: authors may not list secrets (admins only), so the message
 * must not become a way to read every secret's name.
 */
function missingSecretMessage(secret: string, stored: readonly string[]): string {
	const near = suggestion(secret, stored);
	const hint = near.startsWith('; did you mean') ? near : '';
	return `secret "${secret}" does not exist${hint}; an admin stores it with PUT /api/v1/secrets/${secret} {"value": "postgres://…"}, then publish the target again`;
}
