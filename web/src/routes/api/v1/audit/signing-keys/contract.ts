import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'The public keys that check signed audit exports',
	description: 'Public: a public key reveals nothing, and an auditor checking an export may have no account. The current key first; older keys of the ring still check exports made before a rotation.',
	access: 'public',
	responses: {
		200: {
			description: 'Ed25519 public keys by id',
			schema: z.looseObject({ keys: z.array(z.looseObject({ id: z.string(), algorithm: z.literal('Ed25519'), publicKeyPem: z.string() })) })
		}
	}
});
