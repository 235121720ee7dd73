import type { z } from 'zod';
import { settings } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { getDb } from './db.ts';
import { DEFAULT_SETTINGS, settingsSchema, type Settings, type SettingsArea, type settingsUpdateSchema } from './settings-schema.ts';

export { DEFAULT_SETTINGS, mfaPolicySchema, settingsSchema, settingsUpdateSchema, tokenPolicySchema, type Settings, type SettingsArea } from './settings-schema.ts';

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
