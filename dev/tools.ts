import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Temporal CLI release whose Go module still builds with `go install` (later ones carry a replace directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** The Java SDK release whose time-skipping test server the workflow tests run on (Java 8 bytecode, runs on any JRE since). */
export const TEMPORAL_TEST_SERVER_VERSION = '1.38.0';
const TEMPORAL_TEST_SERVER_POM = fileURLToPath(new URL('./temporal-test-server.pom.xml', import.meta.url));

/** A tool Tend needs but cannot find or provide; the message names it and the fix. */
export class MissingToolError extends Error {
	override name = 'MissingToolError';
}

function isExecutable(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

export function findOnPath(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
	for (const dir of pathEnv.split(delimiter)) {
		if (dir && isExecutable(join(dir, name))) return join(dir, name);
	}
	return undefined;
}

export function cacheDir(): string {
	return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tend');
}

export function cachedTemporalCliPath(): string {
	return join(cacheDir(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/**
 * TEMPORAL_CLI_PATH, else `temporal` on PATH, else the cached build, else build it once from its
 * Go module (the SDK's own binary download cannot reach its host from our machines).
 */
export function ensureTemporalCli(log: (line: string) => void = console.log): string {
	const explicit = process.env.TEMPORAL_CLI_PATH;
	if (explicit) {
		if (!isExecutable(explicit)) throw new MissingToolError(`TEMPORAL_CLI_PATH=${explicit} is not an executable file: point it at a Temporal CLI binary or unset it`);
		return explicit;
	}
	const onPath = findOnPath('temporal');
	if (onPath) return onPath;
	const cached = cachedTemporalCliPath();
	if (isExecutable(cached)) return cached;

	const go = findOnPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
	if (!go) throw new MissingToolError('Temporal CLI not found and Go is not installed to build it: install Go ≥ 1.23 (apt-get install golang-go) or set TEMPORAL_CLI_PATH');
	log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from its Go module, once (a few minutes; cached in ${cacheDir()})…`);
	mkdirSync(cacheDir(), { recursive: true });
	const gobin = mkdtempSync(join(cacheDir(), 'build-'));
	try {
		const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
			env: { ...process.env, GOBIN: gobin, GOFLAGS: '-trimpath' },
			stdio: ['ignore', 'inherit', 'inherit']
		});
		if (result.status !== 0) throw new MissingToolError(`building the Temporal CLI failed (go install ${TEMPORAL_CLI_MODULE} exited ${result.status}): see the output above, or set TEMPORAL_CLI_PATH`);
		mkdirSync(join(cached, '..'), { recursive: true });
		renameSync(join(gobin, 'temporal'), cached);
	} finally {
		rmSync(gobin, { recursive: true, force: true });
	}
	return cached;
}

export function cachedTemporalTestServerPath(): string {
	return join(cacheDir(), `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`, 'temporal-test-server');
}

function findJava(): string | undefined {
	const home = process.env.JAVA_HOME;
	if (home && isExecutable(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
	return findOnPath('java');
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * @temporalio/testing starts an `existing-path` test server as `<path> <port> [extraArgs]` and stops it
 * by killing that process, so the launcher execs the JVM: a shell left in between would orphan it.
 * No `--enable-time-skipping`: the SDK's client expects the server to start with skipping locked and
 * unlocks it only while a test awaits a workflow's result (or calls `env.sleep`).
 * The SDK gives the server 5 s to answer; C1 only and the serial collector halve the JVM's start.
 */
function testServerLauncher(java: string, lib: string): string {
	const jvm = [java, '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', join(lib, '*'), 'io.temporal.testserver.TestServer'];
	return `#!/bin/sh\nexec ${jvm.map(shellQuote).join(' ')} "$@"\n`;
}

/**
 * TEMPORAL_TEST_SERVER_PATH, else the cached install, else fetch the test server and its runtime
 * dependencies from Maven Central with Maven once and write a launcher beside them (the SDK's own
 * download cannot reach its host from our machines).
 */
export function ensureTemporalTestServer(log: (line: string) => void = console.log): string {
	const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
	if (explicit) {
		if (!isExecutable(explicit)) throw new MissingToolError(`TEMPORAL_TEST_SERVER_PATH=${explicit} is not an executable file: point it at a Temporal test server launcher or unset it`);
		return explicit;
	}
	const launcher = cachedTemporalTestServerPath();
	if (isExecutable(launcher)) return launcher;

	const java = findJava();
	if (!java) throw new MissingToolError('Java not found, which Temporal’s time-skipping test server runs on: install a JRE (apt-get install default-jre-headless), set JAVA_HOME, or set TEMPORAL_TEST_SERVER_PATH');
	const mvn = findOnPath('mvn');
	if (!mvn) throw new MissingToolError('Maven not found, which fetches Temporal’s time-skipping test server from Maven Central: install it (apt-get install maven) or set TEMPORAL_TEST_SERVER_PATH');
	const folder = dirname(launcher);
	log(`Fetching the Temporal test server ${TEMPORAL_TEST_SERVER_VERSION} from Maven Central, once (cached in ${folder})…`);
	mkdirSync(cacheDir(), { recursive: true });
	const staging = mkdtempSync(join(cacheDir(), 'build-'));
	try {
		const args = ['-B', '-q', '-f', TEMPORAL_TEST_SERVER_POM, `-Dtemporal.test-server.version=${TEMPORAL_TEST_SERVER_VERSION}`, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(staging, 'lib')}`];
		// Debian's Maven prints colour resets even when quiet: its output is shown only when it fails.
		const result = spawnSync(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
		if (result.status !== 0) {
			log(`${result.stdout ?? ''}${result.stderr ?? ''}`);
			throw new MissingToolError(`fetching the Temporal test server failed (mvn ${args.join(' ')} exited ${result.status ?? result.error?.message}): see the output above, or set TEMPORAL_TEST_SERVER_PATH`);
		}
		writeFileSync(join(staging, 'temporal-test-server'), testServerLauncher(java, join(folder, 'lib')), { mode: 0o755 });
		// A folder without a launcher is a fetch that was cut short.
		if (!isExecutable(launcher)) rmSync(folder, { recursive: true, force: true });
		try {
			renameSync(staging, folder);
		} catch (error) {
			// Another process fetched it at the same time and moved its copy in first.
			if (!isExecutable(launcher)) throw error;
		}
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
	return launcher;
}
