import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { parseWindowOffThread } from '$lib/server/parse-pool.ts';
import { listWindowViews } from '$lib/server/windows.ts';
import { putWindow } from '$shared/window-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { windows: await listWindowViews(new Date(), 5) }));

/** Windows as code: the body is the document (YAML or JSON); a valid one defines or replaces the window of its name. */
export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	const put = await putWindow(getDb(), body.source, body.mediaType, { id: caller.id, username: caller.username }, { parse: parseWindowOffThread });
	if (!put.ok) return problem(422, 'The window is not valid; nothing was changed.', put.errors);
	return json(put.created ? 201 : 200, { name: put.name, changed: put.changed }, { location: `/api/v1/windows/${put.name}` });
});
