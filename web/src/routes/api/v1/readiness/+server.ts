import { route } from '$lib/server/contract/route.ts';
import { readiness, READINESS_HALF_LIFE_DAYS } from '$lib/server/drills.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { halfLifeDays: READINESS_HALF_LIFE_DAYS, scenarios: await readiness() }));
