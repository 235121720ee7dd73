import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Schemathesis (from PyPI) in a virtualenv of its own, created once and kept in ~/.cache/tend
 * like the Temporal CLI: it generates requests from the OpenAPI document and checks the answers
 * against it.
 */

const run = promisify(execFile);

export const SCHEMATHESIS_VERSION = '4.32.5';
export const SCHEMATHESIS_CHECKS = 'not_a_server_error,status_code_conformance,content_type_conformance,positive_data_acceptance';

const venv = () => process.env.TEND_SCHEMATHESIS_VENV ?? join(homedir(), '.cache', 'tend', 'schemathesis-venv');

/** The `st` program of the pinned version, installed with pip into the cached virtualenv if it is not there yet. */
export async function ensureSchemathesis(): Promise<string> {
	const st = join(venv(), 'bin', 'st');
	if (existsSync(st)) {
		const { stdout } = await run(st, ['--version']).catch(() => ({ stdout: '' }));
		if (stdout.includes(SCHEMATHESIS_VERSION)) return st;
	}
	try {
		if (!existsSync(join(venv(), 'bin', 'pip'))) await run('python3', ['-m', 'venv', venv()]);
	} catch (error) {
		throw new Error(`could not create a Python virtualenv at ${venv()} (on Debian: apt-get install python3-venv)`, { cause: error });
	}
	await run(join(venv(), 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
	return st;
}

interface OpenApiOperation {
	operationId: string;
	'x-tend-checked-beyond-schema'?: { status: number; checks: string };
}

/** Statuses positive_data_acceptance expects by default (schemathesis's own list, without 5xx: not_a_server_error judges those). */
const ACCEPTED = ['2xx', '3xx', '401', '403', '404', '409', '429'];

/**
 * A schemathesis.toml for the document: operations whose requests are checked beyond what JSON
 * Schema can say may also answer a schema-valid request with the status the document names for
 * that (`x-tend-checked-beyond-schema`); `pinned` fixes path parameters of chosen operations.
 */
export function schemathesisConfig(document: { paths: Record<string, Record<string, OpenApiOperation>> }, pinned: Record<string, Record<string, string>> = {}): string {
	// One event of a run's stream is enough to check it; waiting for more would wait on an open run until the timeout.
	const lines = ['request-timeout = 30', 'max-stream-events = 1', ''];
	for (const item of Object.values(document.paths)) {
		for (const operation of Object.values(item)) {
			const beyond = operation['x-tend-checked-beyond-schema'];
			const parameters = pinned[operation.operationId];
			if (!beyond && !parameters) continue;
			lines.push('[[operations]]', `include-operation-id = ${JSON.stringify(operation.operationId)}`);
			if (beyond) lines.push(`checks.positive_data_acceptance.expected-statuses = ${JSON.stringify([...ACCEPTED, String(beyond.status)])}`);
			if (parameters) lines.push(`parameters = { ${Object.entries(parameters).map(([name, value]) => `${JSON.stringify(`path.${name}`)} = ${JSON.stringify(value)}`).join(', ')} }`);
			lines.push('');
		}
	}
	return lines.join('\n');
}

export interface SchemathesisRun {
	exitCode: number;
	output: string;
	/** From its summary: operations tested (of those in the document), cases generated, unique failures found, and how long each phase took. */
	operations: string;
	cases: number;
	failures: number;
	phases: string;
}

export async function runSchemathesis(st: string, args: { schemaUrl: string; token: string; configFile: string; maxExamples: number; seed?: string }): Promise<SchemathesisRun> {
	const argv = ['--config-file', args.configFile, 'run', args.schemaUrl, '--checks', SCHEMATHESIS_CHECKS, '--header', `Authorization: Bearer ${args.token}`, '--max-examples', String(args.maxExamples), '--no-color'];
	if (args.seed) argv.push('--seed', args.seed);
	// Run beside its config: schemathesis keeps a cache folder (.schemathesis) in its working directory.
	const result = await run(st, argv, { cwd: dirname(args.configFile), maxBuffer: 64 * 1024 * 1024, env: { ...process.env, COLUMNS: '160' } }).then(
		({ stdout, stderr }) => ({ exitCode: 0, output: stdout + stderr }),
		(error: { code?: number; stdout?: string; stderr?: string }) => ({ exitCode: typeof error.code === 'number' ? error.code : 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` })
	);
	const cases = /(\d+) generated/.exec(result.output);
	const failures = /(\d+) unique failures?/.exec(result.output);
	const selected = /Selected: (\d+)\/(\d+)/.exec(result.output);
	const tested = /Tested: (\d+)/.exec(result.output);
	const operations = `${tested?.[1] ?? '?'} of ${selected?.[2] ?? '?'}`;
	const phases = [...result.output.matchAll(/(Examples|Coverage|Fuzzing|Stateful) \(in ([\d.]+)s\)/g)].map((m) => `${m[1].toLowerCase()} ${Math.round(Number(m[2]))} s`).join(', ');
	return { ...result, operations, cases: cases ? Number(cases[1]) : 0, failures: failures ? Number(failures[1]) : 0, phases };
}

/** The part of schemathesis's report worth reading in a failed test: the failures and the summary. */
export function failureReport(output: string): string {
	const start = output.indexOf('FAILURES');
	const report = start >= 0 ? output.slice(output.lastIndexOf('\n', start)) : output;
	return report.length > 30_000 ? `${report.slice(0, 30_000)}\n… (cut)` : report;
}
