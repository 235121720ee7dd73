import { describe, expect, it } from 'vitest';
import { checkOrigin } from '$lib/server/origin.ts';

const site = new URL('http://localhost:5173');

describe('which Origin is this site', () => {
	it('accepts the configured origin and, for a loopback one, every loopback spelling at the same port', () => {
		for (const origin of ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://[::1]:5173', 'http://127.1.2.3:5173']) {
			expect(checkOrigin(origin, site), origin).toBeUndefined();
		}
	});
	it('refuses another port, scheme or host, and a missing Origin', () => {
		for (const origin of ['http://127.0.0.1:5174', 'https://localhost:5173', 'http://10.0.0.5:5173', 'http://evil.example:5173']) {
			expect(checkOrigin(origin, site), origin).toEqual({ reason: 'other-site', from: origin });
		}
		expect(checkOrigin(null, site)).toEqual({ reason: 'missing' });
		expect(checkOrigin('null', site)).toEqual({ reason: 'missing' });
	});
	it('accepts no loopback spelling when the configured origin is a real host', () => {
		const real = new URL('https://tend.example.org');
		expect(checkOrigin('https://tend.example.org', real)).toBeUndefined();
		expect(checkOrigin('https://127.0.0.1', real)).toEqual({ reason: 'other-site', from: 'https://127.0.0.1' });
	});
});
