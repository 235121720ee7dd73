import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../shared/config.ts';
import { assertPortsFree, PortError, portsFor, type StackPorts } from '../../dev/ports.ts';

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
		expect(portsFor(5173, {})).toEqual({ web: 5173, postgres: 15173, temporal: 7233, temporalUi: 8233, temporalHttp: 9233, smtp: 25173 });
		expect(portsFor(5273, { TEND_PG_PORT: '6543', TEMPORAL_HTTP_PORT: '7000' })).toMatchObject({ web: 5273, postgres: 6543, temporal: 7333, temporalHttp: 7000 });
	});

	it('never derives the same port for two instances whose PORTs are less than 1,000 apart', () => {
		const used = (ports: StackPorts) => new Set(Object.values(ports));
		const first = used(portsFor(5173, {}));
		for (let other = 5174; other < 6173; other++) {
			const clash = [...used(portsFor(other, {}))].filter((port) => first.has(port));
			expect(clash, `PORT ${other}`).toEqual([]);
		}
	});

	it('names the variable when a port is not a port, or would derive past 65535', () => {
		expect(() => portsFor(5173, { SMTP_PORT: 'smtp' })).toThrow(new PortError('SMTP_PORT must be a port number (1-65535), not "smtp"'));
		expect(() => portsFor(50_000, {})).toThrow(/SMTP_PORT would be PORT \+ 20000 = 70000, which is not a port: set SMTP_PORT or a lower PORT/);
	});

	it('refuses two services on one port, naming both variables', async () => {
		const ports = { ...portsFor(41_000, {}), temporalHttp: 41_000 };
		await expect(assertPortsFree(ports)).rejects.toThrow(/port 41000 is wanted by both the web app \(PORT\) and the Temporal dev server \(HTTP API\) \(TEMPORAL_HTTP_PORT\): set TEMPORAL_HTTP_PORT/);
	});
});
