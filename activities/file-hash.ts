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
 * The checksum of a backup. A custom-format dump is one file: the sha256 of its bytes. A
 * directory-format dump (pg_dump -Fd) is a flat folder of files (toc.dat and one NNNN.dat.gz per
 * table); its checksum is the sha256 of a manifest with one line per file, `<sha256 hex>  <name>`,
 * in the order of the names' UTF-16 code units (a plain JavaScript sort, which for pg_dump's ASCII
 * names is byte order), joined by "\n" with no newline after the last line. That is exactly what
 * `sha256sum` prints, so in a shell:
 *   cd DIR && LC_ALL=C ls | xargs sha256sum | head -c -1 | sha256sum
 * Any changed, missing, extra or renamed file changes it. Its size is the sum of the files' sizes.
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
