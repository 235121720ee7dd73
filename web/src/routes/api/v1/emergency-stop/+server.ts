import { route } from '$lib/server/contract/route.ts';
import { emergencyStopStatus, EmergencyStopStateError, liftEmergencyStop, startEmergencyStop } from '$lib/server/run-controls.ts';
import * as contract from './contract.ts';

/** Whether an emergency stop is in force, and the last ten: everyone signed in may know. */
export const GET = route(contract.GET, async ({ json }) => json(200, await emergencyStopStatus()));

/** Admin only: pauses every risky step in every run until lifted. */
export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	try {
		return json(201, await startEmergencyStop(caller, body.reason));
	} catch (error) {
		if (error instanceof EmergencyStopStateError) return problem(409, `${error.message}.`);
		throw error;
	}
});

/** Admin only: lifts the stop; held steps go on (within their windows). */
export const DELETE = route(contract.DELETE, async ({ caller, body, json, problem }) => {
	try {
		return json(200, await liftEmergencyStop(caller, body?.note || undefined));
	} catch (error) {
		if (error instanceof EmergencyStopStateError) return problem(409, `${error.message}.`);
		throw error;
	}
});
