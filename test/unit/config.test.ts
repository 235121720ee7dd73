import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../shared/config.ts';
import { portsFor } from '../../dev/ports.ts';

const key = Buffer.alloc(32, 7).toString('base64');

describe('configuration', () => {
	it('applies defaults to a minimal environment', () => {
		const cfg = parseConfig({ DATABASE_URL: 'postgres://u:p@h:5432/tend', TEND_SECRET_KEY: key });
		expect(cfg).toMatchObject({ PORT: 5173, TEND_HOME: '.tend', TEMPORAL_NAMESPACE: 'default', TEND_TASK_QUEUE: 'tend-runbooks' });
	});

	it('names every bad or missing variable in one message', () => {
		let error: unknown;
		try {
			parseConfig({ PORT: 'eighty', TEND_SECRET_KEY: 'short' });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const message = (error as Error).message;
		expect(message).toMatch(/DATABASE_URL is required but not set/);
		expect(message).toMatch(/PORT /);
		expect(message).toMatch(/TEND_SECRET_KEY must be 32 bytes, base64-encoded/);
	});

	it('derives the embedded services’ ports from PORT, so a second instance needs only another PORT', () => {
		expect(portsFor(5173, {})).toEqual({ web: 5173, postgres: 15173, temporal: 7233, temporalUi: 8233, smtp: 25173 });
		expect(portsFor(5273, { TEND_PG_PORT: '6543' })).toMatchObject({ web: 5273, postgres: 6543, temporal: 7333 });
	});
});
