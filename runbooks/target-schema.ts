import { z } from 'zod';
import { parseAllowHost } from '../shared/address-rules.ts';
import { httpUrl, KEY_PATTERN, metadataSchema, recipient, secretRef } from './fields.ts';

/**
 * DESIGN §3: a Target is a maintained system — its databases, health URLs, where its backups go
 * and for how long, and the audiences steps address. Connection strings are never written here:
 * a database names a secret (`secret:NAME`), stored encrypted and never shown back.
 */
const key = z.string().regex(KEY_PATTERN, 'must start with a letter and hold only letters, digits, _ and -');

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;
const databaseUrl = z
	.string()
	.refine((url) => secretRef.test(url) || POSTGRES_URL.test(url), 'must be secret:NAME or a postgres:// URL')
	.refine((url) => !/^postgres(ql)?:\/\/[^/@\s]*:[^/@\s]*@/.test(url), 'holds a password: store the URL as a secret and write secret:NAME here')
	// libpq also reads a password from the query string (`?password=`), so that is a password too.
	.refine((url) => !/^postgres(ql)?:\/\/[^?\s]*\?(.*&)?password=/i.test(url), 'holds a password: store the URL as a secret and write secret:NAME here')
	.describe('secret:NAME (preferred) or a postgres:// URL without a password');

/** A host an HTTP step of this target may reach though it is private, loopback or one of Tend's own services (DESIGN §7). */
const allowHost = z
	.string()
	.max(300)
	.superRefine((entry, ctx) => {
		const parsed = parseAllowHost(entry);
		if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
	})
	.describe('host, host:port, *.domain, an IP address or a CIDR range');

const location = z.string().regex(/^file:.+$/, 'must be file:PATH (a relative path is under TEND_HOME)');
const keep = z.number().int().min(0).max(10_000);

export const targetSchema = z.strictObject({
	apiVersion: z.literal('tend/v1'),
	kind: z.literal('Target'),
	metadata: metadataSchema,
	spec: z.strictObject({
		databases: z
			.record(
				key,
				z.strictObject({
					url: databaseUrl,
					description: z.string().optional(),
					roles: z
						.strictObject({
							read: databaseUrl.optional().describe('sql.check connects as this login: reads only, no server files or programs'),
							backup: databaseUrl.optional().describe('postgres.backup connects as this login, e.g. a member of pg_read_all_data'),
							owner: databaseUrl.optional().describe("restores, migrations and maintenance connect as this login: the database's owner, not a superuser")
						})
						.optional()
						.describe('a login per purpose; a purpose without one uses url'),
					allowSuperuser: z.boolean().optional().describe('let steps that do not need a superuser connect as one anyway (off by default)')
				})
			)
			.default({}),
		urls: z.record(key, httpUrl).default({}),
		backups: z
			.strictObject({
				location,
				offsite: location.optional().describe('a second copy, e.g. on another disk'),
				retention: z.strictObject({ daily: keep.optional(), weekly: keep.optional(), monthly: keep.optional() }).optional()
			})
			.optional(),
		audiences: z.record(key, z.array(recipient).min(1, 'an audience needs at least one member')).default({}),
		http: z
			.strictObject({
				allowHosts: z
					.array(allowHost)
					.max(100)
					.default([])
					.describe("hosts HTTP steps may reach although they resolve to loopback, link-local or private addresses; Tend's own services need host:port")
			})
			.optional()
	})
});

export type TargetDocument = z.infer<typeof targetSchema>;
