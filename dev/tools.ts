import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The Temporal CLI release whose Go module still builds with `go install` (later ones carry a replace directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

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
