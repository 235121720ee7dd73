import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressRefusal, checkAddress, guardedAgent, ownEndpoints, type AddressPolicy } from '../../shared/address-policy.ts';
import { parseAllowHost, rangeRule } from '../../shared/address-rules.ts';
import { targetSchema } from '../../runbooks/target-schema.ts';

const open: AddressPolicy = { allowHosts: [], own: [] };
const rule = (policy: AddressPolicy, host: string, port: number, address: string) => checkAddress(policy, host, port, address)?.rule ?? null;

describe('the address policy of HTTP steps', () => {
	it('refuses loopback, link-local, private, shared and reserved ranges, IPv4 and IPv6, mapped addresses as the IPv4 they carry', () => {
		const cases: Array<[string, string | null]> = [
			['127.0.0.1', 'loopback'],
			['127.8.9.10', 'loopback'],
			['10.1.2.3', 'private'],
			['172.16.0.1', 'private'],
			['192.168.1.1', 'private'],
			['169.254.169.254', 'link-local'],
			['100.64.0.1', 'shared'],
			['0.0.0.0', 'unspecified'],
			['255.255.255.255', 'broadcast'],
			['224.0.0.1', 'multicast'],
			['198.18.0.1', 'reserved'],
			['::1', 'loopback'],
			['::', 'unspecified'],
			['fe80::1', 'link-local'],
			['fd12:3456::1', 'unique-local'],
			['::ffff:127.0.0.1', 'loopback'],
			['::ffff:7f00:1', 'loopback'],
			['::ffff:10.0.0.1', 'private'],
			['::ffff:169.254.169.254', 'link-local'],
			['64:ff9b::7f00:1', 'reserved'],
			['8.8.8.8', null],
			['::ffff:8.8.8.8', null],
			['2606:4700:4700::1111', null]
		];
		for (const [address, expected] of cases) expect([address, rule(open, 'h.example', 80, address)]).toEqual([address, expected]);
		expect(rangeRule('1.1.1.1')).toBeNull();
	});

	it('opens a range only for the hosts the target names; Tend’s own services only by host and port', () => {
		const own = ownEndpoints({ PORT: 5173, TEMPORAL_ADDRESS: '127.0.0.1:7233', DATABASE_URL: 'postgres://u@127.0.0.1:15173/tend', SMTP_URL: 'smtp://127.0.0.1:25173', TEND_PUBLIC_URL: undefined }, {});
		const policy: AddressPolicy = { allowHosts: ['127.0.0.1', 'crm.internal', '*.corp.example', '10.9.0.0/16', 'localhost:5173'], own };
		expect(rule(policy, '127.0.0.1', 8080, '127.0.0.1')).toBeNull();
		expect(rule(policy, 'crm.internal', 443, '10.1.1.1')).toBeNull();
		expect(rule(policy, 'db.corp.example', 443, '192.168.3.3')).toBeNull();
		expect(rule(policy, 'corp.example', 443, '192.168.3.3')).toBe('private');
		expect(rule(policy, 'anything', 80, '10.9.4.4')).toBeNull();
		expect(rule(policy, 'anything', 80, '10.8.4.4')).toBe('private');
		// A name the target does not list, though it resolves to an allowed name's address, is judged by that address only when the entry is an address.
		expect(rule(policy, 'rebind.example', 80, '127.0.0.1')).toBeNull();
		expect(rule({ ...policy, allowHosts: ['crm.internal'] }, 'rebind.example', 80, '10.1.1.1')).toBe('private');
		// The Temporal HTTP API (PORT + 4060) and gRPC on loopback, under any loopback name: "127.0.0.1" alone does not open them.
		expect(rule(policy, '127.0.0.1', 9233, '127.0.0.1')).toBe('tend-service');
		expect(rule(policy, 'localhost', 7233, '::1')).toBe('tend-service');
		expect(rule(policy, '127.0.0.2', 7233, '127.0.0.2')).toBe('tend-service');
		expect(checkAddress(policy, '127.0.0.1', 9233, '127.0.0.1')?.message).toContain('the Temporal HTTP API');
		// The web app, named with its port.
		expect(rule(policy, 'localhost', 5173, '127.0.0.1')).toBeNull();
		expect(rule(policy, '127.0.0.1', 5173, '127.0.0.1')).toBe('tend-service');
		expect(checkAddress(open, 'rebind.example', 80, '127.0.0.1')?.message).toBe(
			'rebind.example resolves to 127.0.0.1, a loopback address (rule: loopback); a step reaches it only if the target lists "rebind.example" in spec.http.allowHosts'
		);
	});

	it('reads allowHosts entries in the target document, refusing what is none of the forms', () => {
		for (const good of ['crm.internal', 'crm.internal:8443', '*.corp.example', '127.0.0.1', '127.0.0.1:5173', '::1', '[::1]:8080', '10.0.0.0/8', 'fd00::/8']) expect([good, typeof parseAllowHost(good)]).toEqual([good, 'object']);
		for (const bad of ['http://crm.internal/', 'crm internal', 'host:99999', '10.0.0.0/99', 'a:b:c', '']) expect([bad, typeof parseAllowHost(bad)]).toEqual([bad, 'string']);
		const doc = (allowHosts: unknown) => ({ apiVersion: 'tend/v1', kind: 'Target', metadata: { name: 'x', title: 'X' }, spec: { http: { allowHosts } } });
		expect(targetSchema.safeParse(doc(['127.0.0.1', 'crm.internal:8443'])).success).toBe(true);
		const bad = targetSchema.safeParse(doc(['https://crm.internal/']));
		expect(bad.success).toBe(false);
		expect(bad.error?.issues[0].path).toEqual(['spec', 'http', 'allowHosts', 0]);
	});
});

describe('the guarded dispatcher checks the address it connects to', () => {
	let server: Server;
	let port: number;
	beforeAll(async () => {
		server = createServer((_req, res) => res.end('inside'));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		port = (server.address() as AddressInfo).port;
	});
	afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

	const get = async (url: string, policy: AddressPolicy, lookup?: (host: string) => Promise<Array<{ address: string; family: number }>>) => {
		const dispatcher = guardedAgent(policy, lookup);
		try {
			const response = await fetch(url, { dispatcher });
			return { status: response.status, body: await response.text() };
		} catch (error) {
			return { refused: addressRefusal(error) };
		} finally {
			await dispatcher.destroy();
		}
	};

	it('refuses a name that resolves to loopback (DNS rebinding) and IP literals written any way', async () => {
		// A public name whose DNS answers 127.0.0.1 at connect time: the name passed any check made before.
		const rebinding = async () => [{ address: '127.0.0.1', family: 4 }];
		expect(await get(`http://status.example.com:${port}/`, open, rebinding)).toEqual({ refused: expect.objectContaining({ host: 'status.example.com', address: '127.0.0.1', rule: 'loopback' }) });
		// One refused address among several is enough to refuse the name.
		const mixed = async () => [{ address: '93.184.216.34', family: 4 }, { address: '::ffff:127.0.0.1', family: 6 }];
		expect(await get(`http://mixed.example.com:${port}/`, open, mixed)).toEqual({ refused: expect.objectContaining({ rule: 'loopback' }) });
		for (const url of [`http://127.0.0.1:${port}/`, `http://2130706433:${port}/`, `http://0x7f.1:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, `http://0.0.0.0:${port}/`, `http://[::]:${port}/`]) {
			const answer = await get(url, open);
			expect([url, answer.refused?.rule]).toEqual([url, expect.stringMatching(/^(loopback|unspecified)$/)]);
		}
	});

	it('connects when the target allows the host, to the address it checked', async () => {
		expect(await get(`http://127.0.0.1:${port}/`, { allowHosts: ['127.0.0.1'], own: [] })).toEqual({ status: 200, body: 'inside' });
		expect(await get(`http://localhost:${port}/`, { allowHosts: ['localhost'], own: [] })).toEqual({ status: 200, body: 'inside' });
		expect(await get(`http://localhost:${port}/`, { allowHosts: ['127.0.0.1'], own: [{ host: '127.0.0.1', port, service: 'the Temporal HTTP API' }] })).toEqual({
			refused: expect.objectContaining({ rule: 'tend-service' })
		});
	});
});
