import { operation } from '$lib/server/contract/operation.ts';
import { settingsSchema, settingsUpdateSchema } from '$lib/server/settings-schema.ts';

const settings = { description: 'Settings', schema: settingsSchema.meta({ id: 'Settings' }) };

export const GET = operation({
	summary: 'The sign-in and token policy (admin)',
	access: ['admin'],
	responses: { 200: settings }
});

export const PUT = operation({
	summary: 'Replace the areas named (admin), each whole; audited with what it replaced',
	access: ['admin'],
	body: { json: settingsUpdateSchema },
	checkedBeyondSchema: '`tokens.defaultDays` must not be more than `tokens.maxDays`.',
	responses: { 200: settings }
});
