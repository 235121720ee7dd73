import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';

/**
 * TOTP (RFC 6238) as every authenticator app speaks it: SHA-1, 6 digits, 30-second steps, the
 * secret shown as base32. @oslojs/otp computes the codes; what is kept here is which time step
 * a code belongs to, so a code is accepted once and never again (RFC 6238 §5.2).
 */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** One step either side: a phone's clock a little off, or a code typed as it turns over. */
const DRIFT_STEPS = 1;
const SECRET_BYTES = 20;

export const TOTP_CODE = /^\d{6}$/;
/** Recovery codes: ten base32 letters in two groups, such as `k7m2q-x4bnp`. */
export const RECOVERY_CODE = /^[a-z2-7]{5}-?[a-z2-7]{5}$/i;
export const RECOVERY_CODE_COUNT = 10;

export function newTotpSecret(): string {
	return encodeBase32UpperCaseNoPadding(randomBytes(SECRET_BYTES));
}

export function totpUri(secret: string, username: string, issuer = 'Tend'): string {
	return createTOTPKeyURI(issuer, username, decodeBase32IgnorePadding(secret), TOTP_PERIOD_S, TOTP_DIGITS);
}

export const totpStep = (nowMs: number) => Math.floor(nowMs / 1000 / TOTP_PERIOD_S);

/** The code for `secret` at `nowMs` (tests and the CLI's own checks use it too). */
export function totpCode(secret: string, nowMs = Date.now()): string {
	return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(totpStep(nowMs)), TOTP_DIGITS);
}

/**
 * The time step `code` is valid for, within the allowed drift and after `lastStep`; null if none.
 * Every candidate is compared, in constant time, so the answer's timing says nothing about which.
 */
export function matchTotp(secret: string, code: string, lastStep: number | null, nowMs = Date.now()): number | null {
	if (!TOTP_CODE.test(code)) return null;
	const key = decodeBase32IgnorePadding(secret);
	const now = totpStep(nowMs);
	let matched: number | null = null;
	for (let step = now - DRIFT_STEPS; step <= now + DRIFT_STEPS; step++) {
		const expected = Buffer.from(generateHOTP(key, BigInt(step), TOTP_DIGITS));
		const equal = timingSafeEqual(expected, Buffer.from(code));
		if (equal && (lastStep === null || step > lastStep) && matched === null) matched = step;
	}
	return matched;
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
	return Array.from({ length: count }, () => {
		const letters = encodeBase32UpperCaseNoPadding(randomBytes(7)).slice(0, 10).toLowerCase();
		return `${letters.slice(0, 5)}-${letters.slice(5)}`;
	});
}

/** Recovery codes are random, so a fast hash is enough; case and the dash do not matter. */
export function hashRecoveryCode(code: string): string {
	return createHash('sha256').update(code.toLowerCase().replace('-', '')).digest('hex');
}
