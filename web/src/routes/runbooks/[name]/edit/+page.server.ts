import { error } from '@sveltejs/kit';
import { RUNBOOK_AUTHORS } from '$lib/roles.ts';
import { builderContext } from '$lib/server/builder.ts';
import { getDraft } from '$lib/server/drafts.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import { NAME_PATTERN } from '../../../../../../runbooks/fields.ts';
import type { PageServerLoad } from './$types';

/** The builder on an existing runbook: its draft if someone saved one, else its latest version. */
export const load = (async ({ locals, url, params }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_AUTHORS);
	const notFound = () => error(404, { message: `There is no runbook or draft named "${params.name}".`, code: 'not_found' });
	if (!NAME_PATTERN.test(params.name)) throw notFound();
	const [published, draft, context] = await Promise.all([getRunbook(params.name), getDraft(params.name), builderContext()]);
	if (!published && !draft) throw notFound();

	const baseVersion = draft ? draft.baseVersion : (published?.latestVersion ?? null);
	const base = baseVersion === null ? null : baseVersion === published?.version.version ? published : await getRunbook(params.name, baseVersion);
	return {
		name: params.name,
		isNew: !published,
		source: draft?.source ?? published!.version.source,
		baseVersion: base ? baseVersion : null,
		baseSource: base?.version.source ?? null,
		draft: draft ? { updatedBy: draft.updatedByName, updatedAt: draft.updatedAt.toISOString() } : null,
		// The builder starts afresh whenever what it was opened on changes (a draft discarded, say).
		loadKey: `${draft?.updatedAt.toISOString() ?? 'published'}:${published?.latestVersion ?? 0}`,
		...context
	};
}) satisfies PageServerLoad;
