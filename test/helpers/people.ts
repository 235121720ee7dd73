import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { login, webUrl, type ApiClient } from './api.ts';
import { withClient } from './postgres.ts';

/** A fresh, unique person for a test: the stack is shared by every file, so names never repeat. */
export interface Person {
	username: string;
	password: string;
	api: ApiClient;
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** Creates a user through the API as `admin` and signs them in. */
export async function createPerson(admin: ApiClient, prefix: string, roles: string[], extra: Record<string, unknown> = {}): Promise<Person> {
	const username = uniqueName(prefix);
	const password = randomBytes(12).toString('base64url');
	const created = await admin.json('POST', '/api/v1/users', { username, password, roles, email: `${username}@example.test`, ...extra });
	if (created.status !== 201) throw new Error(`creating ${username} failed: ${created.status} ${JSON.stringify(created.body)}`);
	return { username, password, api: await login(username, password) };
}

export const appRows = <T>(query: string, params: unknown[] = []) => withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query(query, params)).rows as T[]);

export interface SourceResponse<T = unknown> {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: T;
}

/**
 * A client whose requests come from another loopback address (127.0.0.0/8 all reaches the web app),
 * so a test can play several sources — an attacker's and a user's — without trusting any header.
 * It keeps cookies as a browser would.
 */
export function fromSource(localAddress: string) {
	const cookies = new Map<string, string>();
	const base = new URL(webUrl());
	function send<T>(method: string, path: string, body?: unknown): Promise<SourceResponse<T>> {
		const payload = body === undefined ? undefined : JSON.stringify(body);
		return new Promise((resolve, reject) => {
			const req = httpRequest(
				{
					host: '127.0.0.1',
					port: base.port,
					localAddress,
					method,
					path,
					headers: {
						origin: base.origin,
						...(payload ? { 'content-type': 'application/json' } : {}),
						...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {})
					}
				},
				(res) => {
					for (const line of res.headers['set-cookie'] ?? []) {
						const [pair] = line.split(';');
						const at = pair.indexOf('=');
						const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
						if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) cookies.delete(name);
						else cookies.set(name, value);
					}
					let text = '';
					res.setEncoding('utf8');
					res.on('data', (chunk: string) => (text += chunk));
					res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: (text ? JSON.parse(text) : null) as T }));
				}
			);
			req.on('error', reject);
			req.end(payload);
		});
	}
	return { send, cookies, signIn: (username: string, password: string, code?: string) => send<{ user?: unknown; detail?: string }>('POST', '/api/v1/session', { username, password, ...(code ? { code } : {}) }) };
}
