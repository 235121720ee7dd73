import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';

/**
 * What a new password must be (issue 12, account lifecycle): 12 to 256 characters, not one of the
 * passwords most often found in breaches, and hard enough to guess by zxcvbn's estimate (score 3
 * of 4, "safely unguessable: moderate protection from offline slow-hash scenario"), counting the
 * person's own name and email as known words. docs/decisions.md says why these and not more rules.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const MIN_SCORE = 3;

/** The 49,000 passwords seen most often in breach corpora, as @zxcvbn-ts/language-common ships them. */
const breached = new Set(commonDictionary['passwords-common'].map((p) => p.toLowerCase()));

let estimator: ZxcvbnFactory | undefined;
const zxcvbn = () =>
	(estimator ??= new ZxcvbnFactory({ dictionary: { ...commonDictionary, ...englishDictionary }, graphs: adjacencyGraphs, translations }));

export type PasswordProblem = { code: 'tooShort' | 'tooLong' | 'breached' | 'weak' | 'sameAsOld'; message: string };

/** Why `password` will not do, or null when it will. `known` are the person's own words (username, email, name). */
export function passwordProblem(password: string, known: readonly string[] = []): PasswordProblem | null {
	if ([...password].length < MIN_PASSWORD_LENGTH) return { code: 'tooShort', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` };
	if (password.length > MAX_PASSWORD_LENGTH) return { code: 'tooLong', message: `must be at most ${MAX_PASSWORD_LENGTH} characters` };
	if (breached.has(password.toLowerCase())) return { code: 'breached', message: 'is on a list of passwords found in data breaches; choose another' };
	const result = zxcvbn().check(password, [...known.filter(Boolean), 'tend']);
	if (result.score < MIN_SCORE) {
		const hint = result.feedback.warning ?? result.feedback.suggestions[0];
		return { code: 'weak', message: `is too easy to guess${hint ? ` (${hint.replace(/\.$/, '').toLowerCase()})` : ''}; a few unrelated words make a strong one` };
	}
	return null;
}
