import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, login, loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs `tend` as a user would, as its own process; `env` replaces TEND_URL/TEND_TOKEN/XDG_CONFIG_HOME. */
function tend(args: string[], env: Record<string, string | undefined>): Promise<CliResult> & { stdoutSoFar: () => string } {
	const inherited = { ...process.env };
	for (const name of ['TEND_URL', 'TEND_TOKEN', 'TEND_PASSWORD', 'XDG_CONFIG_HOME']) delete inherited[name];
	const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), ...args], { cwd: repoRoot, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const done = new Promise<CliResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
	return Object.assign(done, { stdoutSoFar: () => stdout });
}

const runbook = (name: string, steps: string, extra = '') => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${name}, title: ${name} }
spec:
${extra}  steps:
${steps}`;

const NOTIFY = `    - id: tell
      uses: notify
      with: { to: [ops@example.test], subject: "from the CLI" }
`;
const UNKNOWN_STEP = `    - id: first
      uses: nope.step
`;

describe('the tend CLI against the API', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let adminEnv: Record<string, string>;
	let approverEnv: Record<string, string>;
	let approverPassword: string;
	const folders: string[] = [];

	const tempFolder = () => {
		const folder = mkdtempSync(join(tmpdir(), 'tend-cli-'));
		folders.push(folder);
		return folder;
	};
	const token = async (as: ApiClient) => (await as.json<{ token: string }>('POST', '/api/v1/tokens', { name: 'cli test' })).body.token;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		adminEnv = { TEND_URL: webUrl(), TEND_TOKEN: await token(admin) };
		approverPassword = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username: 'abby', password: approverPassword, roles: ['approver'], email: 'abby@example.test' })).status).toBe(201);
		approverEnv = { TEND_URL: webUrl(), TEND_TOKEN: await token(await login('abby', approverPassword)) };
	});
	afterAll(async () => {
		await worker?.stop();
		for (const folder of folders) rmSync(folder, { recursive: true, force: true });
	});

	it('applies a folder document by document, with file:line:column for each error, and exits 1 if any failed', async () => {
		const folder = tempFolder();
		writeFileSync(join(folder, 'good.yaml'), runbook('cli-good', NOTIFY));
		writeFileSync(join(folder, 'bad.yml'), runbook('cli-bad', UNKNOWN_STEP));
		mkdirSync(join(folder, 'more'));
		// Two documents in one file: the second one's error must name its line in the file, not in the document.
		const pair = `${runbook('cli-pair-a', NOTIFY)}---\n${runbook('cli-pair-b', UNKNOWN_STEP)}`;
		writeFileSync(join(folder, 'more', 'pair.yaml'), pair);
		writeFileSync(join(folder, 'notes.txt'), 'not a document');

		const result = await tend(['apply', folder], adminEnv);
		expect(result.code).toBe(1);
		expect(result.stderr).toBe('');
		const lines = result.stdout.trim().split('\n');
		const badLine = runbook('cli-bad', UNKNOWN_STEP).split('\n').findIndex((line) => line.includes('nope.step')) + 1;
		const pairLine = pair.split('\n').findLastIndex((line) => line.includes('nope.step')) + 1;
		expect(pairLine).toBeGreaterThan(badLine + 5);
		expect(lines[0]).toMatch(new RegExp(`^${join(folder, 'bad.yml')}:${badLine}:\\d+: Runbook cli-bad: error: spec\\.steps\\[0\\]\\.uses: .*nope\\.step`));
		expect(lines[1]).toBe(`${join(folder, 'good.yaml')}: Runbook cli-good: published version 1`);
		expect(lines[2]).toBe(`${join(folder, 'more', 'pair.yaml')}: Runbook cli-pair-a: published version 1`);
		expect(lines[3]).toMatch(new RegExp(`^${join(folder, 'more', 'pair.yaml')}:${pairLine}:\\d+: Runbook cli-pair-b: error: spec\\.steps\\[0\\]\\.uses: `));
		expect(lines.slice(4)).toEqual(['2 applied, 2 failed']);

		const again = await tend(['apply', join(folder, 'good.yaml')], adminEnv);
		expect(again).toMatchObject({ code: 0, stdout: `${join(folder, 'good.yaml')}: Runbook cli-good: unchanged (version 1)\n1 applied, 0 failed\n` });
	});

	it('applies a Target whose secret is stored, and refuses one whose secret is not, at its line', async () => {
		const secret = `cli-db-${randomBytes(3).toString('hex')}`;
		expect((await admin.json('PUT', `/api/v1/secrets/${secret}`, { value: 'postgres://cli@127.0.0.1:1/cli' })).status).toBe(204);
		const target = (name: string, ref: string) => `apiVersion: tend/v1\nkind: Target\nmetadata: { name: ${name}, title: ${name} }\nspec:\n  databases:\n    main: { url: "secret:${ref}" }\n`;
		const folder = tempFolder();
		writeFileSync(join(folder, 'a.yaml'), target('cli-target', secret));
		writeFileSync(join(folder, 'b.yaml'), target('cli-target-b', `${secret}z`));
		const result = await tend(['apply', folder], adminEnv);
		expect(result.code).toBe(1);
		expect(result.stdout.trim().split('\n')).toEqual([
			`${join(folder, 'a.yaml')}: Target cli-target: created`,
			`${join(folder, 'b.yaml')}:6:18: Target cli-target-b: error: spec.databases.main.url: secret "${secret}z" does not exist; did you mean "${secret}"?; an admin stores it with PUT /api/v1/secrets/${secret}z {"value": "postgres://…"}, then publish the target again`,
			'1 applied, 1 failed'
		]);
		expect((await tend(['apply', join(folder, 'a.yaml')], adminEnv)).stdout).toBe(`${join(folder, 'a.yaml')}: Target cli-target: unchanged\n1 applied, 0 failed\n`);
	});

	it('starts a run and watches it to success', async () => {
		const folder = tempFolder();
		writeFileSync(join(folder, 'quick.yaml'), runbook('cli-quick', NOTIFY));
		expect((await tend(['apply', folder], adminEnv)).code).toBe(0);
		const result = await tend(['run', 'cli-quick', '--watch'], adminEnv);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const runId = /^started run ([0-9a-f-]{36})$/m.exec(result.stdout)?.[1];
		expect(runId).toBeDefined();
		expect(result.stdout).toMatch(/step tell {2}succeeded/);
		expect(result.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`run ${runId} succeeded$`));
		expect(result.stdout.match(/step tell {2}succeeded/g)).toHaveLength(1);
	});

	it('lets an approver approve a waiting step, which the watcher sees through to success', async () => {
		const steps = `    - id: ask
      uses: approval
      with: { approvers: [role:approver], message: "Ship it?" }
${NOTIFY}`;
		const folder = tempFolder();
		writeFileSync(join(folder, 'approval.yaml'), runbook('cli-approval', steps));
		expect((await tend(['apply', folder], adminEnv)).code).toBe(0);
		const started = await tend(['run', 'cli-approval'], adminEnv);
		const runId = /started run (\S+)/.exec(started.stdout)![1];
		const watcher = tend(['watch', runId], adminEnv);

		await eventually('the approval in abby’s inbox', async () => {
			const inbox = await tend(['approvals'], approverEnv);
			return inbox.stdout.includes(`${runId}  ask`) ? inbox : undefined;
		});
		await eventually('the watcher to see the wait', async () => (watcher.stdoutSoFar().includes(`step ask  waiting  → tend approve ${runId} ask`) ? true : undefined));
		const approved = await tend(['approve', runId, 'ask', '--comment', 'go ahead'], approverEnv);
		expect(approved).toMatchObject({ code: 0, stdout: 'approved ask: approved (1 of 1)\n', stderr: '' });

		const watched = await watcher;
		expect(watched.code).toBe(0);
		expect(watched.stdout).toMatch(/step ask {2}succeeded/);
		expect(watched.stdout.trim().split('\n').at(-1)).toMatch(/succeeded$/);
		// The initiator may not approve their own run (four eyes): the API's reason, not a stack trace.
		const second = await tend(['run', 'cli-approval'], adminEnv);
		const secondId = /started run (\S+)/.exec(second.stdout)![1];
		await eventually('the second approval to wait', async () => ((await tend(['approvals'], approverEnv)).stdout.includes(secondId) ? true : undefined));
		const own = await tend(['approve', secondId, 'ask'], adminEnv);
		expect(own.code).toBe(1);
		expect(own.stderr).toMatch(/^tend: Forbidden: Your decision did not count: /);
		expect((await tend(['approve', secondId, 'ask', '--reject', '-m', 'not now'], approverEnv)).stdout).toBe('rejected ask: rejected (0 of 1)\n');
		expect((await tend(['watch', secondId], adminEnv)).code).toBe(1);
	});

	it('prints the API’s problem and field errors, never a stack trace', async () => {
		const missing = await tend(['run', 'no-such-runbook'], adminEnv);
		expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'tend: Not Found: no runbook named "no-such-runbook"\n' });
		const badInput = await tend(['run', 'cli-good', '--input', 'colour=blue'], adminEnv);
		expect(badInput.code).toBe(1);
		expect(badInput.stderr).toBe('tend: Unprocessable Content: The run cannot start with these inputs.\ntend:   inputs.colour: the runbook declares no input "colour"\n');
		const revoked = await tend(['runs'], { ...adminEnv, TEND_TOKEN: 'tend_' + 'x'.repeat(43) });
		expect(revoked.code).toBe(1);
		expect(revoked.stderr).toMatch(/^tend: Unauthorized: /);
		const usage = await tend(['approve', 'only-one-argument'], adminEnv);
		expect(usage.code).toBe(2);
		for (const output of [missing, badInput, revoked, usage]) expect(output.stderr).not.toMatch(/\n\s+at /);
	});

	it('logs in with a password, keeps only a token in a private file, and uses it', async () => {
		const config = tempFolder();
		const result = await tend(['login', '--url', webUrl(), '--username', 'abby'], { XDG_CONFIG_HOME: config, TEND_PASSWORD: approverPassword });
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const file = join(config, 'tend', 'credentials.json');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		const stored = JSON.parse(readFileSync(file, 'utf8')) as { url: string; token: string };
		expect(stored).toEqual({ url: webUrl(), token: expect.stringMatching(/^tend_/) });
		expect(readFileSync(file, 'utf8')).not.toContain(approverPassword);
		expect(await tend(['approvals'], { XDG_CONFIG_HOME: config })).toMatchObject({ code: 0, stderr: '' });

		const wrong = await tend(['login', '--url', webUrl(), '--username', 'abby'], { XDG_CONFIG_HOME: tempFolder(), TEND_PASSWORD: 'wrong password' });
		expect(wrong).toMatchObject({ code: 1, stderr: 'tend: Unauthorized: Wrong username or password.\n' });
	});
});
