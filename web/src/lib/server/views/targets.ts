import { asc, count, desc, eq, isNotNull, max } from 'drizzle-orm';
import { backups, targets } from '../../../../../db/schema/index.ts';
import { getDb } from '../db.ts';

/**
 * What a page may show of a Target document. Database connection strings and secret references
 * never leave the server: only database names, and URLs with credentials stripped.
 */
export interface TargetSummary {
	name: string;
	title: string;
	description: string | null;
	databases: string[];
	/** Per database: the purposes it names a login of its own for, and whether it allows a superuser. Never the logins themselves. */
	databaseLogins: { name: string; purposes: string[]; allowSuperuser: boolean }[];
	urls: { name: string; url: string }[];
	backups: { location: string | null; offsite: string | null; retention: { name: string; keep: number }[] };
	audiences: { name: string; members: string[] }[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** A URL fit to display: secret references hidden, user and password removed. */
export function displayUrl(value: unknown): string {
	const raw = text(value);
	if (!raw) return '—';
	if (raw.startsWith('secret:')) return '(stored as a secret)';
	try {
		const url = new URL(raw);
		if (url.username || url.password) {
			url.username = '';
			url.password = '';
		}
		return url.toString();
	} catch {
		return raw;
	}
}

export function summarizeTarget(row: { name: string; title: string; document: Record<string, unknown> }): TargetSummary {
	const metadata = record(row.document.metadata);
	const spec = record(row.document.spec);
	const backupSpec = record(spec.backups);
	return {
		name: row.name,
		title: row.title,
		description: text(metadata.description),
		databases: Object.keys(record(spec.databases)).sort(),
		databaseLogins: Object.entries(record(spec.databases))
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([name, entry]) => ({
				name,
				purposes: ['read', 'backup', 'owner'].filter((purpose) => text(record(record(entry).roles)[purpose]) !== null),
				allowSuperuser: record(entry).allowSuperuser === true
			})),
		urls: Object.entries(record(spec.urls)).map(([name, url]) => ({ name, url: displayUrl(url) })),
		backups: {
			location: text(backupSpec.location),
			offsite: text(backupSpec.offsite),
			retention: Object.entries(record(backupSpec.retention))
				.filter((entry): entry is [string, number] => typeof entry[1] === 'number')
				.map(([name, keep]) => ({ name, keep }))
		},
		audiences: Object.entries(record(spec.audiences)).map(([name, members]) => ({
			name,
			members: Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : []
		}))
	};
}

export async function listTargets() {
	const db = getDb();
	const [rows, stats] = await Promise.all([
		db.select().from(targets).orderBy(asc(targets.name)),
		db.select({ target: backups.target, n: count(), latest: max(backups.startedAt) }).from(backups).groupBy(backups.target)
	]);
	const statsByTarget = new Map(stats.map((s) => [s.target, s]));
	return rows.map((row) => {
		const summary = summarizeTarget(row);
		const s = statsByTarget.get(row.name);
		return {
			name: summary.name,
			title: summary.title,
			databases: summary.databases,
			health: summary.urls.find((u) => u.name === 'health')?.url ?? null,
			backupCount: s?.n ?? 0,
			latestBackupAt: s?.latest ?? null
		};
	});
}

export async function getTargetSummary(name: string): Promise<TargetSummary | null> {
	const [row] = await getDb().select().from(targets).where(eq(targets.name, name));
	return row ? summarizeTarget(row) : null;
}

/** The backup catalogue of a target, newest first. File paths stay on the server: only whether an offsite copy exists leaves it. */
export async function listBackups(target: string, limit = 200) {
	return getDb()
		.select({
			id: backups.id,
			database: backups.database,
			format: backups.format,
			startedAt: backups.startedAt,
			sizeBytes: backups.sizeBytes,
			sha256: backups.sha256,
			durationMs: backups.durationMs,
			verifiedAt: backups.verifiedAt,
			offsite: isNotNull(backups.offsitePath),
			prunedAt: backups.prunedAt,
			runId: backups.runId
		})
		.from(backups)
		.where(eq(backups.target, target))
		.orderBy(desc(backups.startedAt))
		.limit(limit);
}
