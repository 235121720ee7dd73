import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export async function sha256OfFile(path: string): Promise<string> {
	const hash = createHash('sha256');
	await pipeline(createReadStream(path), hash);
	return hash.digest('hex');
}

/**
 * A directory-format dump is many files; its checksum is the sha256 of a sorted manifest of
 * "sha256  name" lines, so any changed, missing or extra file changes it.
 */
export async function sha256OfBackup(path: string): Promise<{ sha256: string; sizeBytes: number }> {
	const stat = statSync(path);
	if (!stat.isDirectory()) return { sha256: await sha256OfFile(path), sizeBytes: stat.size };
	const manifest: string[] = [];
	let sizeBytes = 0;
	for (const name of readdirSync(path).sort()) {
		const file = join(path, name);
		sizeBytes += statSync(file).size;
		manifest.push(`${await sha256OfFile(file)}  ${name}`);
	}
	return { sha256: createHash('sha256').update(manifest.join('\n')).digest('hex'), sizeBytes };
}
