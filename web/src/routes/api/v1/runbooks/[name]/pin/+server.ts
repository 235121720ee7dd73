import { route } from '$lib/server/contract/route.ts';
import { PinError, pinRunbookVersion } from '$lib/server/runbooks.ts';
import * as contract from './contract.ts';

/**
 * Pins the version runs start when none is named — operators, schedules and child runs all get
 * it — for example back to the last good one. Pinning the latest unpins. Authors only; audited.
 */
export const PUT = route(contract.PUT, async ({ caller, params, body, json, problem }) => {
	try {
		const pinned = await pinRunbookVersion(params.name, body.version, caller.username);
		return pinned ? json(200, pinned) : problem(404, `No runbook "${params.name}".`);
	} catch (error) {
		if (error instanceof PinError) return problem(422, error.message, [{ path: 'version', message: 'is not a published version' }]);
		throw error;
	}
});

/** Unpins: runs start the latest version again. */
export const DELETE = route(contract.DELETE, async ({ caller, params, json, problem }) => {
	const pinned = await pinRunbookVersion(params.name, null, caller.username);
	return pinned ? json(200, pinned) : problem(404, `No runbook "${params.name}".`);
});
