import { hostname } from 'node:os';
import { Api, ApiError, toProblem } from '../api.ts';
import { saveCredentials } from '../credentials.ts';
import { UsageError, type Output } from '../output.ts';
import { readPassword } from '../prompt.ts';

/**
 * `tend login --url URL --username NAME`: signs in with the password (TEND_PASSWORD or a
 * prompt) and, for an account with a second factor, its code (TEND_OTP or a prompt), creates an API token for this machine, signs the temporary session out again, and
 * stores `{url, token}` readable by the user only. The password itself is never stored.
 */
export async function login(options: { url?: string; username?: string; tokenName?: string }, out: Output): Promise<number> {
	if (!options.url || !options.username) throw new UsageError('login needs --url and --username');
	let url: string;
	try {
		url = new URL(options.url).toString().replace(/\/+$/, '');
	} catch {
		throw new UsageError(`--url must be a URL such as https://tend.example.com, not "${options.url}"`);
	}
	const password = process.env.TEND_PASSWORD ?? (await readPassword(`Password for ${options.username} at ${url}: `));
	const anonymous = new Api({ url });
	let signIn = await anonymous.send('POST', '/session', JSON.stringify({ username: options.username, password }), 'application/json');
	// An account with a second factor: the code from TEND_OTP or a prompt (a recovery code works too).
	if (signIn.status === 401 && (signIn.body as { mfaRequired?: boolean } | null)?.mfaRequired) {
		const code = process.env.TEND_OTP ?? (await readPassword('Code from your authenticator app: '));
		signIn = await anonymous.send('POST', '/session', JSON.stringify({ username: options.username, password, code }), 'application/json');
	}
	if (signIn.status >= 400) throw new ApiError(toProblem(signIn.status, signIn.body));
	const cookie = signIn.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	const session = new Api({ url, cookie });
	const created = await session.json<{ id: string; token: string }>('POST', '/tokens', { name: options.tokenName ?? `tend CLI on ${hostname()}` });
	await session.send('DELETE', '/session');
	const path = saveCredentials({ url, token: created.token });
	out.line(`signed in to ${url} as ${options.username}; API token ${created.id} stored in ${path}`);
	return 0;
}
