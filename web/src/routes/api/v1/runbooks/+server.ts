import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { parseRunbookOffThread } from '$lib/server/parse-pool.ts';
import { listRunbooks } from '$lib/server/runbooks.ts';
import { targets } from '$db/schema/index.ts';
import { publishRunbook } from '$shared/runbook-store.ts';
import { windowNames } from '$shared/window-store.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { runbooks: await listRunbooks() }));

/** Runbooks as code: the body is the document (YAML or JSON); a valid one is published as a new version at once. */
export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	// Checked at publish, not first at run time: a misspelt target is the author's to fix, with its line.
	const [windows, registered] = await Promise.all([windowNames(getDb()), getDb().select({ name: targets.name }).from(targets)]);
	const parsed = await parseRunbookOffThread(body.source, { windows, targets: registered.map((t) => t.name) });
	if (!parsed.ok) return problem(422, 'The runbook is not valid; nothing was published.', parsed.errors);
	const published = await publishRunbook(getDb(), parsed.document, body.source, { id: caller.id, username: caller.username });
	return json(published.created ? 201 : 200, published, { location: `/api/v1/runbooks/${published.name}` });
});
