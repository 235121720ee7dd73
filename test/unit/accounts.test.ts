import { describe, expect, it } from 'vitest';
import { BackoffBuckets, LoginThrottle, sourceKey, THROTTLE_POLICIES } from '../../web/src/lib/server/login-throttle.ts';
import { passwordProblem } from '../../web/src/lib/server/password-policy.ts';
import { isSessionExpired, needsRenewal, SESSION_ABSOLUTE_MS, SESSION_TTL_MS, sessionExpiry } from '../../web/src/lib/server/session-tokens.ts';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, RECOVERY_CODE, totpCode, totpStep, totpUri } from '../../shared/totp.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe('login throttling', () => {
	it('lets a burst through, then blocks for delays that double, and forgets once the bucket refills', () => {
		const buckets = new BackoffBuckets({ capacity: 3, refillPerMinute: 1, baseDelayMs: 1000, maxDelayMs: 8000 });
		for (let i = 0; i < 3; i++) buckets.fail('k', T0);
		expect(buckets.waitMs('k', T0)).toBe(0);
		buckets.fail('k', T0);
		expect(buckets.waitMs('k', T0)).toBe(1000);
		buckets.fail('k', T0 + 1000);
		expect(buckets.waitMs('k', T0 + 1000)).toBe(2000);
		buckets.fail('k', T0 + 3000);
		buckets.fail('k', T0 + 7000);
		// Capped.
		expect(buckets.waitMs('k', T0 + 7000)).toBe(8000);
		// Three minutes refill three tokens: full, so the doubling is forgotten.
		expect(buckets.waitMs('k', T0 + 7000 + 3 * 60_000)).toBe(0);
		buckets.fail('k', T0 + 7000 + 3 * 60_000);
		expect(buckets.waitMs('k', T0 + 7000 + 3 * 60_000)).toBe(0);
	});

	it('slows a source spraying many usernames, without slowing each username', () => {
		const throttle = new LoginThrottle();
		const burst = THROTTLE_POLICIES.source.capacity;
		for (let i = 0; i <= burst; i++) throttle.fail({ username: `user-${i}`, clientAddress: '203.0.113.7' }, T0);
		expect(throttle.retryAfterSeconds({ username: 'someone-new', clientAddress: '203.0.113.7' }, T0)).toBeGreaterThan(0);
		expect(throttle.retryAfterSeconds({ username: 'someone-new', clientAddress: '203.0.113.8' }, T0)).toBe(0);
	});

	it('slows guesses at one username from anywhere, but not its owner’s own device', () => {
		const throttle = new LoginThrottle();
		for (let i = 0; i <= THROTTLE_POLICIES.user.capacity; i++) throttle.fail({ username: 'rita', clientAddress: `198.51.100.${i}` }, T0);
		expect(throttle.retryAfterSeconds({ username: 'rita', clientAddress: '192.0.2.1' }, T0)).toBeGreaterThan(0);
		expect(throttle.retryAfterSeconds({ username: 'rita', clientAddress: '192.0.2.1', device: 'rita\u0000device' }, T0)).toBe(0);
		// The device's own failures count against it alone.
		for (let i = 0; i <= THROTTLE_POLICIES.device.capacity; i++) throttle.fail({ username: 'rita', clientAddress: '192.0.2.1', device: 'rita\u0000device' }, T0);
		expect(throttle.retryAfterSeconds({ username: 'rita', clientAddress: '192.0.2.1', device: 'rita\u0000device' }, T0)).toBeGreaterThan(0);
	});

	it('keys IPv6 sources by their /64 and IPv4-mapped addresses as IPv4', () => {
		expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
		expect(sourceKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
		expect(sourceKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
		expect(sourceKey('::1')).toBe('0:0:0:0::/64');
	});
});

describe('sessions', () => {
	it('slide, but never past the absolute lifetime from sign-in', () => {
		const signedIn = new Date(T0);
		expect(sessionExpiry(signedIn).getTime()).toBe(T0 + SESSION_TTL_MS);
		const late = new Date(T0 + SESSION_ABSOLUTE_MS - 60_000);
		expect(sessionExpiry(late, signedIn).getTime()).toBe(T0 + SESSION_ABSOLUTE_MS);
		expect(isSessionExpired(new Date(T0 + SESSION_ABSOLUTE_MS + 1000), new Date(T0 + SESSION_ABSOLUTE_MS), signedIn)).toBe(true);
		// Renewal near the absolute end would not move the expiry: nothing is written.
		expect(needsRenewal(new Date(T0 + SESSION_ABSOLUTE_MS), late, signedIn)).toBe(false);
		expect(needsRenewal(new Date(T0 + SESSION_TTL_MS), new Date(T0 + SESSION_TTL_MS - 60_000), signedIn)).toBe(true);
	});
});

describe('TOTP', () => {
	it('accepts the current code once, a step either side, and no replay', () => {
		const secret = newTotpSecret();
		const code = totpCode(secret, T0);
		const step = matchTotp(secret, code, null, T0);
		expect(step).toBe(totpStep(T0));
		expect(matchTotp(secret, code, step, T0)).toBeNull();
		expect(matchTotp(secret, totpCode(secret, T0 - 30_000), null, T0)).toBe(totpStep(T0) - 1);
		expect(matchTotp(secret, totpCode(secret, T0 - 90_000), null, T0)).toBeNull();
		expect(matchTotp(secret, '12345', null, T0)).toBeNull();
		expect(totpUri(secret, 'rita')).toMatch(/^otpauth:\/\/totp\/Tend:rita\?.*secret=/);
	});

	it('makes ten distinct recovery codes whose hash ignores case and the dash', () => {
		const codes = newRecoveryCodes();
		expect(new Set(codes).size).toBe(10);
		for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
		expect(hashRecoveryCode(codes[0].toUpperCase().replace('-', ''))).toBe(hashRecoveryCode(codes[0]));
	});
});

describe('the password policy', () => {
	it('refuses short, breached and guessable passwords, and the person’s own name', () => {
		expect(passwordProblem('short')?.code).toBe('tooShort');
		expect(passwordProblem('password1234')?.code).toBe('breached');
		expect(passwordProblem('qwertyuiopas')?.code).toBe('weak');
		expect(passwordProblem('ritarita2026', ['rita'])?.code).toBe('weak');
		expect(passwordProblem('zebra lamp orbit velvet')).toBeNull();
	});
});
