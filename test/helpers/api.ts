import { isRunFinished } from '../../web/src/lib/run-types.ts';

/** A logged-in API caller for integration tests: the session cookie and the Origin header a browser would send. */
export interface ApiClient {
	baseUrl: string;
	request(method: string, path: string, body?: unknown): Promise<Response>;
	json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
	/** A raw body of the given media type (a YAML document, say). */
	send(method: string, path: string, body: string, contentType: string): Promise<Response>;
}

export function webUrl(): string {
	const url = process.env.TEST_WEB_URL;
	if (!url) throw new Error('TEST_WEB_URL is not set: run this suite through `npm test`');
	return url;
}

export function adminPassword(): string {
	return process.env.TEST_ADMIN_PASSWORD ?? '';
}

export function anonymousClient(cookie?: string, baseUrl = webUrl()): ApiClient {
	const request = (method: string, path: string, body?: unknown) =>
		fetch(`${baseUrl}${path}`, {
			method,
			redirect: 'manual',
			headers: {
				origin: baseUrl,
				...(cookie ? { cookie } : {}),
				...(body !== undefined ? { 'content-type': 'application/json' } : {})
			},
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	return {
		baseUrl,
		request,
		send: (method, path, body, contentType) =>
			fetch(`${baseUrl}${path}`, { method, redirect: 'manual', headers: { origin: baseUrl, 'content-type': contentType, ...(cookie ? { cookie } : {}) }, body }),
		async json<T>(method: string, path: string, body?: unknown) {
			const response = await request(method, path, body);
			const text = await response.text();
			return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
		}
	};
}

/** A caller with `Authorization: Bearer <token>` and no Origin, as a script or the CLI calls. */
export function bearerClient(token: string): ApiClient {
	const baseUrl = webUrl();
	const send = (method: string, path: string, body: string | undefined, contentType?: string) =>
		fetch(`${baseUrl}${path}`, { method, redirect: 'manual', headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) }, body });
	const request = (method: string, path: string, body?: unknown) => send(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
	return {
		baseUrl,
		request,
		send,
		async json<T>(method: string, path: string, body?: unknown) {
			const response = await request(method, path, body);
			const text = await response.text();
			return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
		}
	};
}

/** Signs in to the test stack's web app, or to another web process of the same stack at `baseUrl`. */
export async function login(username: string, password: string, baseUrl = webUrl()): Promise<ApiClient> {
	const response = await anonymousClient(undefined, baseUrl).request('POST', '/api/v1/session', { username, password });
	if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
	const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	return anonymousClient(cookie, baseUrl);
}

export const loginAsAdmin = () => login('admin', adminPassword());

/** Polls `GET /api/v1/runs/{id}` until the run has ended, and returns it as last seen. */
export function runEnded<T extends { status: string }>(api: ApiClient, id: string, timeoutMs = 120_000): Promise<T> {
	return eventually(`run ${id} to end`, async () => {
		const { body } = await api.json<T>('GET', `/api/v1/runs/${id}`);
		return isRunFinished(body.status) ? body : undefined;
	}, timeoutMs);
}

/** Polls until `check` returns a value, or fails with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000, intervalMs = 250): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const value = await check();
		if (value !== undefined) return value;
		await new Promise((r) => setTimeout(r, intervalMs));
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Stores a secret the way an admin does (PUT /api/v1/secrets/{name}); `api` must be an admin's. */
/**
 * Publishes a target whose HTTP steps may reach `allowHosts` (a local receiver's 127.0.0.1, the
 * stack's web app as host:port): the explicit allowance DESIGN §7 asks for, never a global switch.
 */
export async function allowingTarget(api: ApiClient, name: string, allowHosts: string[]): Promise<string> {
	const published = await api.json('POST', '/api/v1/targets', { apiVersion: 'tend/v1', kind: 'Target', metadata: { name, title: name }, spec: { http: { allowHosts } } });
	if (published.status !== 200 && published.status !== 201) throw new Error(`publishing target ${name} failed: ${published.status} ${JSON.stringify(published.body)}`);
	return name;
}

export async function putSecret(api: ApiClient, name: string, value: string): Promise<void> {
	const response = await api.json('PUT', `/api/v1/secrets/${name}`, { value });
	if (response.status !== 204) throw new Error(`storing secret ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
}

/** Publishes a one-off runbook of `steps` as JSON, starts it without inputs and waits for it to end. */
export async function runSteps<T extends { status: string }>(api: ApiClient, name: string, steps: object[], timeoutMs = 120_000, target?: string): Promise<T> {
	const published = await api.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name }, spec: { ...(target ? { target } : {}), steps } });
	if (published.status !== 200 && published.status !== 201) throw new Error(`publishing ${name} failed: ${published.status} ${JSON.stringify(published.body)}`);
	const started = await api.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
	if (started.status !== 201) throw new Error(`starting ${name} failed: ${started.status} ${JSON.stringify(started.body)}`);
	return runEnded<T>(api, started.body.id, timeoutMs);
}
