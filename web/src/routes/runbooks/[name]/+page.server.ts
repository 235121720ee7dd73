import { error, fail, redirect } from '@sveltejs/kit';
import { and, desc, eq } from 'drizzle-orm';
import { RUN_STARTERS, RUNBOOK_AUTHORS, RUNBOOK_READERS, hasRole } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { RunbookNotFoundError, RunInputError, RunVersionError, startRun, TemporalUnavailableError } from '$lib/server/runs.ts';
import { pinRunbookVersion } from '$lib/server/runbooks.ts';
import { getRunbookVersion } from '$lib/server/views/runbooks.ts';
import { listRuns } from '$lib/server/views/runs.ts';
import { runbooks, runbookVersions, users } from '../../../../../db/schema/index.ts';
import { runbookSchema, type RunbookDocument } from '../../../../../runbooks/schema.ts';
import type { Actions, PageServerLoad } from './$types';

/** `?version=3` views an older published version; anything else means the latest. */
function requestedVersion(value: string | null): number | undefined {
	const n = Number(value);
	return value && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Every published version, newest first: who published it, when, and its checksum. */
function versionHistory(name: string) {
	return getDb()
		.select({ version: runbookVersions.version, sha256: runbookVersions.sha256, publishedAt: runbookVersions.publishedAt, publishedBy: users.username })
		.from(runbookVersions)
		.innerJoin(runbooks, eq(runbooks.id, runbookVersions.runbookId))
		.leftJoin(users, eq(users.id, runbookVersions.publishedBy))
		.where(eq(runbooks.name, name))
		.orderBy(desc(runbookVersions.version));
}

/** The shown version as the interpreter reads it (defaults filled), for the dry run; null when it no longer matches the schema. */
async function runbookDocument(name: string, version: number): Promise<RunbookDocument | null> {
	const [row] = await getDb()
		.select({ document: runbookVersions.document })
		.from(runbookVersions)
		.innerJoin(runbooks, eq(runbooks.id, runbookVersions.runbookId))
		.where(and(eq(runbooks.name, name), eq(runbookVersions.version, version)));
	const parsed = row ? runbookSchema.safeParse(row.document) : null;
	return parsed?.success ? parsed.data : null;
}

export const load = (async ({ locals, url, params }) => {
	requireUser(locals, url);
	const user = requireRole(locals, ...RUNBOOK_READERS);
	const version = requestedVersion(url.searchParams.get('version'));
	const [runbook, recentRuns, history] = await Promise.all([getRunbookVersion(params.name, version), listRuns({ limit: 10, runbook: params.name }), versionHistory(params.name)]);
	if (!runbook) {
		const what = version ? `version ${version} of the runbook "${params.name}"` : `a runbook named "${params.name}"`;
		throw error(404, { message: `There is no ${what}.`, code: 'not_found' });
	}
	// The builder comes back here after a publish with `?version=N&published=1`.
	const published = url.searchParams.has('published') ? runbook.version : null;
	return {
		runbook,
		document: await runbookDocument(params.name, runbook.version),
		history,
		recentRuns,
		published,
		canStart: hasRole(user, ...RUN_STARTERS),
		canAuthor: hasRole(user, ...RUNBOOK_AUTHORS)
	};
}) satisfies PageServerLoad;

export const actions = {
	start: async ({ locals, params, request }) => {
		const user = requireRole(locals, ...RUN_STARTERS);
		const form = await request.formData();
		const version = requestedVersion(String(form.get('version') ?? ''));
		const runbook = await getRunbookVersion(params.name, version);
		if (!runbook) return fail(404, { message: `There is no runbook named "${params.name}" at that version.`, code: 'not_found', values: {}, errors: {} });

		// Empty fields are left out so the runbook's defaults apply; an unticked box is an explicit false.
		const values: Record<string, string> = {};
		const inputs: Record<string, unknown> = {};
		for (const input of runbook.inputs) {
			const key = `input.${input.name}`;
			if (input.type === 'boolean') {
				inputs[input.name] = form.has(key);
				values[input.name] = String(form.has(key));
				continue;
			}
			const raw = String(form.get(key) ?? '').trim();
			values[input.name] = raw;
			if (raw !== '') inputs[input.name] = raw;
		}

		let run: { id: string };
		try {
			run = await startRun({ runbookName: runbook.name, version: runbook.version, inputs, initiator: { id: user.id, username: user.username }, mayPickVersion: hasRole(user, ...RUNBOOK_AUTHORS) });
		} catch (err) {
			if (err instanceof RunVersionError) return fail(403, { message: err.message, code: 'not_current', current: err.currentVersion, values, errors: {} });
			if (err instanceof RunInputError) {
				const errors: Record<string, string> = {};
				const general: string[] = [];
				for (const e of err.errors) {
					const name = e.path.startsWith('inputs.') ? e.path.slice('inputs.'.length) : null;
					if (name && runbook.inputs.some((i) => i.name === name)) errors[name] ??= e.message;
					else general.push(e.message);
				}
				return fail(422, { message: general.length ? general.join('; ') : 'Check the inputs below.', code: general.length ? 'inputs' : 'check_inputs', values, errors });
			}
			if (err instanceof RunbookNotFoundError) return fail(404, { message: err.message, code: 'not_found', values, errors: {} });
			if (err instanceof TemporalUnavailableError) return fail(503, { message: 'Temporal cannot be reached, so the run was not started. Try again in a moment.', code: 'temporal_unavailable', values, errors: {} });
			throw err;
		}
		throw redirect(303, `/runs/${run.id}`);
	},

	/** Pins the shown version for runs (or unpins, when it is the latest). Authors only, like the API. */
	pin: async ({ locals, params, request }) => {
		const user = requireRole(locals, ...RUNBOOK_AUTHORS);
		const version = requestedVersion(String((await request.formData()).get('version') ?? ''));
		if (!version) return fail(400, { message: 'Choose a version to pin.', code: 'pin_failed', values: {}, errors: {} });
		const pinned = await pinRunbookVersion(params.name, version, user.username).catch(() => null);
		if (!pinned) return fail(404, { message: `There is no version ${version} of "${params.name}".`, code: 'pin_failed', values: {}, errors: {} });
		throw redirect(303, `/runbooks/${encodeURIComponent(params.name)}?version=${version}`);
	},

	unpin: async ({ locals, params }) => {
		const user = requireRole(locals, ...RUNBOOK_AUTHORS);
		await pinRunbookVersion(params.name, null, user.username);
		throw redirect(303, `/runbooks/${encodeURIComponent(params.name)}`);
	}
} satisfies Actions;
