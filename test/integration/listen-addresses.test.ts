import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Issue 12: Temporal, its UI and the mail catcher were reachable from every interface; an HTTP step
 * or anyone on the network could call Temporal's HTTP API. The embedded stack's services listen on
 * loopback only, and docker-compose publishes none of them beyond this machine.
 */
const stackEnv = () => JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>;

interface Listener {
	address: string;
	port: number;
	pid?: number;
}

/** Every listening TCP socket on this machine, from `ss` (iproute2). */
function listeners(): Listener[] {
	const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
	return out
		.split('\n')
		.filter(Boolean)
		.map((line) => {
			const local = line.trim().split(/\s+/)[3];
			const at = local.lastIndexOf(':');
			const pid = /pid=(\d+)/.exec(line)?.[1];
			return { address: local.slice(0, at).replace(/^\[|\]$/g, '').replace(/%.*$/, ''), port: Number(local.slice(at + 1)), pid: pid ? Number(pid) : undefined };
		});
}

const loopback = (address: string) => /^127\./.test(address) || address === '::1' || address === '::ffff:127.0.0.1';

describe('where the stack listens', () => {
	it('runs Temporal (gRPC, HTTP API, UI and every other port of its process), PostgreSQL and the SMTP sink on loopback only', () => {
		const env = stackEnv();
		const all = listeners();
		const grpcPort = Number(env.TEMPORAL_ADDRESS.split(':').pop());
		const temporal = all.find((l) => l.port === grpcPort && l.pid !== undefined);
		expect(temporal, `nothing listens on Temporal's port ${grpcPort}`).toBeDefined();
		const ofTemporal = all.filter((l) => l.pid === temporal!.pid);
		const ports = ofTemporal.map((l) => l.port);
		for (const port of [grpcPort, Number(env.TEMPORAL_HTTP_PORT), Number(env.TEMPORAL_UI_PORT)]) expect(ports).toContain(port);
		expect(ofTemporal.filter((l) => !loopback(l.address))).toEqual([]);

		const postgresPort = Number(new URL(env.DATABASE_URL).port);
		const smtpPort = Number(new URL(env.SMTP_URL).port);
		for (const port of [postgresPort, smtpPort]) {
			const on = all.filter((l) => l.port === port);
			expect(on.length, `nothing listens on ${port}`).toBeGreaterThan(0);
			expect(on.filter((l) => !loopback(l.address))).toEqual([]);
		}
	});

	it('docker-compose publishes Temporal, its UI, PostgreSQL and the mail catcher on 127.0.0.1 only', () => {
		const file = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
		const compose = parse(readFileSync(file, 'utf8')) as { services: Record<string, { ports?: Array<string | { host_ip?: string }> }> };
		const problems: string[] = [];
		for (const name of ['temporal', 'temporal-ui', 'postgres', 'mail']) {
			for (const port of compose.services[name]?.ports ?? []) {
				const hostIp = typeof port === 'string' ? (port.split(':').length === 3 ? port.split(':')[0] : '') : (port.host_ip ?? '');
				if (hostIp !== '127.0.0.1') problems.push(`${name}: ${JSON.stringify(port)} is published on every interface`);
			}
		}
		expect(problems).toEqual([]);
		expect(compose.services.mail.ports).toEqual(['127.0.0.1:8025:8025']);
		expect(compose.services['temporal-ui'].ports).toEqual(['127.0.0.1:8233:8080']);
	});
});
