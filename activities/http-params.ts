import { z } from 'zod';
import { parseDuration } from '../runbooks/duration.ts';

/** `with` fields the HTTP steps share, as the activity sees them once expressions are resolved. */

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** A duration (`10s`) or milliseconds; 30 s unless the step says otherwise. */
export const stepTimeout = z
	.union([z.number().int().positive(), z.string()])
	.default(30_000)
	.transform((value, ctx) => {
		try {
			return parseDuration(value);
		} catch (error) {
			ctx.addIssue({ code: 'custom', message: (error as Error).message });
			return z.NEVER;
		}
	});

export const allowRedirectTo = z.array(z.string().min(1)).default([]);
