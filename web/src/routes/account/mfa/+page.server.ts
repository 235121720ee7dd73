import { fail, redirect } from '@sveltejs/kit';
import { renderSVG } from 'uqr';
import { markSecondFactor } from '$lib/server/auth.ts';
import { requireUser } from '$lib/server/guard.ts';
import { confirmTotpEnrolment, MfaStateError, mfaStatus, startTotpEnrolment } from '$lib/server/mfa.ts';
import { getSettings, mfaRequiredFor } from '$lib/server/settings.ts';
import type { Actions, PageServerLoad } from './$types';

const nextOf = (value: string | null) => (value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : null);

export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const [status, settings] = await Promise.all([mfaStatus(user.id), getSettings()]);
	return { ...status, required: mfaRequiredFor(user.roles, settings.mfa), next: nextOf(url.searchParams.get('next')) };
}) satisfies PageServerLoad;

export const actions = {
	/** A new secret and its QR code; shown in this answer only, so a reload means starting again. */
	start: async ({ locals, url }) => {
		const user = requireUser(locals, url);
		try {
			const { secret, uri } = await startTotpEnrolment(user);
			const qr = `data:image/svg+xml;base64,${Buffer.from(renderSVG(uri, { border: 2 })).toString('base64')}`;
			return { enrolling: { secret, qr } };
		} catch (error) {
			if (error instanceof MfaStateError) return fail(409, { code: 'alreadyEnrolled' as const });
			throw error;
		}
	},

	/** Confirms with a code from the new authenticator; the recovery codes are shown once, in this answer. */
	verify: async ({ locals, url, request }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const code = String(form.get('code') ?? '').trim();
		const secret = String(form.get('secret') ?? '');
		const qr = String(form.get('qr') ?? '');
		if (!/^\d{6}$/.test(code)) return fail(400, { code: 'codeFormat' as const, enrolling: { secret, qr } });
		try {
			const confirmed = await confirmTotpEnrolment(user, code);
			if (!confirmed) return fail(422, { code: 'codeWrong' as const, enrolling: { secret, qr } });
			if (locals.session) await markSecondFactor(locals.session.id);
			return { recoveryCodes: confirmed.recoveryCodes, next: nextOf(String(form.get('next') ?? '')) };
		} catch (error) {
			if (error instanceof MfaStateError) return fail(409, { code: 'notStarted' as const });
			throw error;
		}
	},

	/** After the codes were saved: on to where the person was headed. */
	done: async ({ locals, url, request }) => {
		requireUser(locals, url);
		throw redirect(303, nextOf(String((await request.formData()).get('next') ?? '')) ?? '/account/mfa');
	}
} satisfies Actions;
