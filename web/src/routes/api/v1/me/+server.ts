import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, ({ caller, event, json }) =>
	json(200, { user: caller, session: event.locals.session && { expiresAt: event.locals.session.expiresAt.toISOString() } })
);
