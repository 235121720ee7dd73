import type { RequestEvent } from '@sveltejs/kit';
import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operation } from '../../web/src/lib/server/contract/operation.ts';
import { route } from '../../web/src/lib/server/contract/route.ts';
import { isTemporalUnavailable } from '../../web/src/lib/server/temporal.ts';

const admin = { id: 'u1', username: 'ada', displayName: 'Ada', email: '', roles: ['admin' as const] };

/** Just what route() reads of a SvelteKit event. */
function event(request: Request, params: Record<string, string> = {}, user: typeof admin | null = admin): RequestEvent {
	return { request, params, url: new URL(request.url), locals: { user, session: null, apiToken: null } } as unknown as RequestEvent;
}
const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) => new Request('http://tend.test/api/v1/x', { method: 'POST', body, headers });
const grpcError = (code: number) => Object.assign(new Error(`${code} UNAVAILABLE: No connection established`), { code, details: 'No connection established', metadata: {} });

const declared = operation({
	summary: 'x',
	access: ['operator'],
	params: z.object({ id: z.uuid() }),
	body: { json: z.object({ note: z.string().max(5) }), maxBytes: 100 },
	temporal: true,
	responses: { 200: 'ok' }
});
const ID = '6f1c2d8e-4b3a-4c1d-9e2f-0a1b2c3d4e5f';

describe('route(): what an operation declares is checked before its handler', () => {
	const echo = route(declared, ({ body, json }) => json(200, body));
	const call = async (request: Request, params: Record<string, string> = { id: ID }, user: typeof admin | null = admin) => {
		const response = (await echo(event(request, params, user) as never)) as Response;
		return { status: response.status, type: response.headers.get('content-type'), body: await response.json().catch(() => null), headers: response.headers };
	};

	it('passes a valid request through', async () => {
		expect(await call(post('{"note": "hi"}'))).toMatchObject({ status: 200, body: { note: 'hi' } });
	});

	it('answers auth, path, media type, size, syntax and content with their problems', async () => {
		expect(await call(post('{}'), { id: ID }, null)).toMatchObject({ status: 401, type: 'application/problem+json' });
		expect(await call(post('{}'), { id: ID }, { ...admin, roles: ['viewer' as never] })).toMatchObject({ status: 403 });
		expect(await call(post('{}'), { id: 'nope' })).toMatchObject({ status: 404, body: { errors: [{ path: 'id' }] } });
		expect(await call(post('{}'), { id: `${ID}\u0000` })).toMatchObject({ status: 404, body: { errors: [{ path: 'id', message: expect.stringMatching(/NUL/) }] } });
		expect(await call(post('{}', { 'content-type': 'text/plain' }))).toMatchObject({ status: 415 });
		expect(await call(post(`{"note": "${'x'.repeat(200)}"}`))).toMatchObject({ status: 413 });
		expect(await call(post('{"note": '))).toMatchObject({ status: 400 });
		expect(await call(post(new Uint8Array([0x22, 0xff, 0x22])))).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/UTF-8/) } });
		expect(await call(post('{"note": "a\\u0000"}'))).toMatchObject({ status: 422, body: { errors: [{ path: 'note', message: expect.stringMatching(/NUL/) }] } });
		expect(await call(post('{"note": "toolong"}'))).toMatchObject({ status: 422, body: { errors: [{ path: 'note' }] } });
	});

	it('answers 503 with Retry-After when Temporal cannot be reached, and lets other errors through', async () => {
		const unreachable = route(declared, () => {
			throw new ServiceError('Failed to connect to Temporal server', { cause: grpcError(14) });
		});
		const response = (await unreachable(event(post('{"note": "x"}'), { id: ID }) as never)) as Response;
		expect(response.status).toBe(503);
		expect(response.headers.get('retry-after')).toBe('5');
		expect(response.headers.get('content-type')).toBe('application/problem+json');

		const broken = route(declared, () => {
			throw new Error('a bug');
		});
		await expect(broken(event(post('{"note": "x"}'), { id: ID }) as never)).rejects.toThrow('a bug');
	});
});

describe('route(): a query', () => {
	const listed = route(operation({ summary: 'x', access: 'public', query: z.strictObject({ actor: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }), responses: { 200: 'ok' } }), ({ query, json }) => json(200, query));
	const get = async (search: string) => {
		const response = (await listed(event(new Request(`http://tend.test/api/v1/x?${search}`)) as never)) as Response;
		return { status: response.status, body: await response.json() };
	};

	it('is checked whole, one problem per parameter, each named', async () => {
		expect(await get('actor=ada')).toEqual({ status: 200, body: { actor: 'ada', limit: 50 } });
		const bad = await get('actor=a&actor=b&limit=1e20&who=x&__proto__=y&x=%00');
		expect(bad.status).toBe(400);
		expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['actor', 'x']);
		const unknown = await get('limit=1e20&who=x&__proto__=y');
		expect(unknown.body.errors).toEqual([
			{ path: 'limit', message: expect.any(String) },
			{ path: 'who', message: 'is not a parameter here; use actor, limit' },
			{ path: '__proto__', message: 'is not a parameter here; use actor, limit' }
		]);
	});
});

describe('isTemporalUnavailable', () => {
	it('recognises an unreachable or silent server, through causes, and nothing else', () => {
		expect(isTemporalUnavailable(grpcError(14))).toBe(true);
		expect(isTemporalUnavailable(new Error('outer', { cause: grpcError(4) }))).toBe(true);
		expect(isTemporalUnavailable(new Error('Failed to connect before the deadline'))).toBe(true);
		expect(isTemporalUnavailable(grpcError(3))).toBe(false);
		expect(isTemporalUnavailable(new Error('duplicate key'))).toBe(false);
	});
});
