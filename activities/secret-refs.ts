import { resolveSecretRef, SecretNotFoundError, secretKeys } from '../shared/secrets.ts';
import { nonRetryable } from './failures.ts';
import type { ActivityDeps } from './step-context.ts';

export const isSecretRef = (value: string) => /^secret:[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value);

/** `secret:NAME` → its value for a step; a missing secret stops the step, since retrying will not store it. */
export async function stepSecret(deps: ActivityDeps, value: string): Promise<string> {
	try {
		return await resolveSecretRef(deps.db, secretKeys(deps.config), value);
	} catch (error) {
		if (error instanceof SecretNotFoundError) throw nonRetryable('SecretNotFound', error.message);
		throw error;
	}
}
