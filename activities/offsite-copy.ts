import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sha256OfBackup } from './file-hash.ts';
import { countsPath } from './backup-paths.ts';

async function copyFile(from: string, to: string, signal: AbortSignal, onBytes: (n: number) => void): Promise<void> {
	const source = createReadStream(from);
	source.on('data', (chunk) => onBytes(chunk.length));
	await pipeline(source, createWriteStream(to), { signal });
}

/**
 * Copies a backup (a dump file or a directory-format folder) and its row-count file into `folder`
 * under the same name. The copy is written under `<name>.partial`, read back and checksummed, and
 * renamed into place only when its sha256 equals the catalogued one: a half-written or damaged copy
 * never takes the final name, and a retry starts again from a fresh partial.
 */
export async function copyBackupVerified(
	path: string,
	folder: string,
	expectedSha256: string,
	signal: AbortSignal,
	onBytes: (n: number) => void = () => {}
): Promise<string> {
	mkdirSync(folder, { recursive: true });
	const name = basename(path);
	const destination = join(folder, name);
	const partial = `${destination}.partial`;
	rmSync(partial, { recursive: true, force: true });
	try {
		if (statSync(path).isDirectory()) {
			mkdirSync(partial);
			for (const file of readdirSync(path)) await copyFile(join(path, file), join(partial, file), signal, onBytes);
		} else {
			await copyFile(path, partial, signal, onBytes);
		}
		const copied = await sha256OfBackup(partial);
		if (copied.sha256 !== expectedSha256) {
			// Retryable: a copy that reads back wrong is the disk's or the mount's trouble, and a retry copies afresh.
			throw new Error(`the offsite copy of ${name} reads back with sha256 ${copied.sha256}, expected ${expectedSha256}`);
		}
		if (existsSync(countsPath(path))) await copyFile(countsPath(path), countsPath(destination), signal, () => {});
		rmSync(destination, { recursive: true, force: true });
		renameSync(partial, destination);
		return destination;
	} catch (error) {
		rmSync(partial, { recursive: true, force: true });
		throw error;
	}
}
