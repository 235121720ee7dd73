import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { GET as list } from '../contract.ts';

export const GET = operation({
	summary: 'A signed export of the audit log (admin): the entries the filters match, oldest first',
	description:
		'The file is JSON: `content` is the exported text itself (filters, the chain verdict, entries with their hashes); `sha256` is the SHA-256 of its UTF-8 bytes and `signature` an Ed25519 signature over the same bytes by the key that `GET /api/v1/audit/signing-keys` publishes under `keyId`. docs/audit-export.md shows how a third party checks it with jq and openssl.',
	access: ['admin'],
	query: list.query.omit({ before: true, limit: true }),
	responses: {
		200: {
			description: 'The signed file (served as an attachment)',
			schema: z.looseObject({
				format: z.literal('tend-audit-export/1'),
				content: z.string(),
				sha256: z.string(),
				signature: z.looseObject({ algorithm: z.literal('Ed25519'), keyId: z.string(), value: z.string(), publicKeyUrl: z.string() })
			})
		},
		422: { description: 'More entries match than one export holds: narrow the time range' }
	}
});
