import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = ['web', 'db', 'shared', 'runbooks', 'workflows', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** Builds the SvelteKit app (adapter-node) when it is missing or older than its sources. */
export function ensureWebBuild(root: string, log: (line: string) => void): void {
	const stamp = join(root, 'build', '.tend-build-stamp');
	const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
	if (built && INPUTS.every((input) => newestMtime(join(root, input)) <= built)) return;
	log('Building the web app (only when its sources changed)…');
	const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' });
	// Vite's progress and timing notes are noise at start-up; its output matters only when the build fails.
	if (result.status !== 0) {
		process.stderr.write(`${result.stdout}${result.stderr}`);
		throw new Error(`building the web app failed (vite build exited ${result.status}); see the output above`);
	}
	writeFileSync(stamp, new Date().toISOString());
}
