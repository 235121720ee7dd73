import { z } from 'zod';
import { ROLES } from '$db/schema/users.ts';

/**
 * Sign-in and token policy an admin sets (`GET`/`PUT /api/v1/settings`, Admin → Users), kept as
 * one JSON document per area in the `settings` table. An area never written has the defaults
 * below: the secure ones. The embedded default (`npm start`) writes `mfa` with nobody required at
 * its first start, so the quick start stays two commands (dev/bootstrap.ts, docs/decisions.md).
 */
export const tokenPolicySchema = z
	.strictObject({
		/** Days a token lives when its creator names no expiry. */
		defaultDays: z.number().int().min(1).max(3650),
		/** The longest a token may be made to live. */
		maxDays: z.number().int().min(1).max(3650)
	})
	.refine((policy) => policy.defaultDays <= policy.maxDays, { path: ['defaultDays'], message: 'must not be more than maxDays' });

export const mfaPolicySchema = z.strictObject({
	/** People holding any of these roles must have a second factor; they are sent to enrol after signing in. */
	requiredFor: z.array(z.enum(ROLES)).max(ROLES.length),
	/** Approving a step before a high-risk one needs a second factor given within this many minutes; 0 turns it off. */
	stepUpMinutes: z.number().int().min(0).max(24 * 60)
});

export const settingsSchema = z.strictObject({ tokens: tokenPolicySchema, mfa: mfaPolicySchema });
export type Settings = z.infer<typeof settingsSchema>;
export type SettingsArea = keyof Settings;

export const DEFAULT_SETTINGS: Settings = {
	tokens: { defaultDays: 90, maxDays: 365 },
	mfa: { requiredFor: ['admin', 'approver'], stepUpMinutes: 15 }
};

/** A `PUT` names the areas it changes; each is replaced whole. */
export const settingsUpdateSchema = z.strictObject({ tokens: tokenPolicySchema.optional(), mfa: mfaPolicySchema.optional() });
