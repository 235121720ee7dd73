import { z } from 'zod';
import { ROLES, settings } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { getDb } from './db.ts';

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

/** Read at every sign-in and token use; a few seconds of staleness in other web processes is fine. */
const CACHE_MS = 5000;
let cached: { at: number; value: Settings } | undefined;

export async function getSettings(options: { fresh?: boolean } = {}, now = Date.now()): Promise<Settings> {
	if (cached && !options.fresh && now - cached.at < CACHE_MS) return cached.value;
	const rows = await getDb().select().from(settings);
	const value = structuredClone(DEFAULT_SETTINGS);
	for (const row of rows) {
		const schema = settingsSchema.shape[row.key as SettingsArea];
		const parsed = schema?.safeParse(row.value);
		// A row an older or newer Tend wrote in another shape falls back to the default rather than failing every sign-in.
		if (parsed?.success) Object.assign(value, { [row.key]: parsed.data });
	}
	cached = { at: now, value };
	return value;
}

export async function updateSettings(update: z.infer<typeof settingsUpdateSchema>, actor: string): Promise<Settings> {
	const before = await getSettings({ fresh: true });
	await getDb().transaction(async (tx) => {
		for (const [key, value] of Object.entries(update) as Array<[SettingsArea, Settings[SettingsArea] | undefined]>) {
			if (!value) continue;
			await tx
				.insert(settings)
				.values({ key, value, updatedBy: actor })
				.onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: actor, updatedAt: new Date() } });
			await appendAudit(tx, { actor, action: 'settings.update', subject: `settings:${key}`, details: { before: before[key], after: value } });
		}
	});
	cached = undefined;
	return getSettings();
}

/** Whether someone with `roles` must have a second factor under `policy`. */
export function mfaRequiredFor(roles: readonly string[], policy: Settings['mfa']): boolean {
	return policy.requiredFor.some((role) => roles.includes(role));
}
