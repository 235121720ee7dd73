import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { emergencyStopStatus, EmergencyStopStateError, liftEmergencyStop, startEmergencyStop } from '$lib/server/run-controls.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, 'admin');
	return emergencyStopStatus();
}) satisfies PageServerLoad;

const startForm = z.object({ reason: z.string().trim().min(1, 'Say why every risky step must stop.').max(2000) });

/** The page shows each answer in the viewer's language by its code; `message` is the English wording. */
const stateCode = (err: EmergencyStopStateError) => (err.message.startsWith('no ') ? ('noneInForce' as const) : ('alreadyInForce' as const));

/** Admin only, like the API: start or lift the stop; both are audited and signalled to every open run. */
export const actions = {
	start: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const parsed = startForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { code: 'reasonRequired' as const, message: parsed.error.issues[0].message });
		try {
			const { runsTold } = await startEmergencyStop(admin, parsed.data.reason);
			return { done: `Emergency stop in force. ${runsTold} open run${runsTold === 1 ? '' : 's'} told.`, started: true, runsTold };
		} catch (err) {
			if (err instanceof EmergencyStopStateError) return fail(409, { code: stateCode(err), message: `${err.message}.` });
			throw err;
		}
	},
	lift: async ({ locals, request }) => {
		const admin = requireRole(locals, 'admin');
		const note = String((await request.formData()).get('note') ?? '').trim();
		try {
			const { runsTold } = await liftEmergencyStop(admin, note || undefined);
			return { done: `Lifted. ${runsTold} open run${runsTold === 1 ? '' : 's'} told; held steps go on.`, started: false, runsTold };
		} catch (err) {
			if (err instanceof EmergencyStopStateError) return fail(409, { code: stateCode(err), message: `${err.message}.` });
			throw err;
		}
	}
} satisfies Actions;
