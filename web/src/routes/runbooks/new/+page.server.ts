import { RUNBOOK_AUTHORS } from '$lib/roles.ts';
import { blankRunbook } from '$lib/builder/model.ts';
import { BLANK_TEMPLATE, renameRunbook, titleFromName } from '$lib/builder/template.ts';
import { builderContext, templateSource, templateSummaries } from '$lib/server/builder.ts';
import { getDraft } from '$lib/server/drafts.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import { NAME_PATTERN } from '../../../../../runbooks/fields.ts';
import type { PageServerLoad } from './$types';

/**
 * A new runbook: the template gallery, then (once a template and a name are chosen, in the URL so
 * a link or a test can open it directly) the builder on that template renamed. A draft already
 * saved under the name is opened instead, so a reload keeps the work.
 */
export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_AUTHORS);
	const template = url.searchParams.get('template') ?? '';
	const name = (url.searchParams.get('name') ?? '').trim();
	const title = (url.searchParams.get('title') ?? '').trim() || titleFromName(name);
	const templates = templateSummaries();
	const gallery = (errors: { name?: 'invalid' | 'exists'; template?: 'unknown' } = {}) => ({ mode: 'gallery' as const, templates, chosen: { template, name, title: url.searchParams.get('title') ?? '' }, errors });

	if (!template || !name) return gallery();
	const source = template === BLANK_TEMPLATE ? blankRunbook(name, title) : templateSource(template);
	if (!source) return gallery({ template: 'unknown' });
	if (!NAME_PATTERN.test(name)) return gallery({ name: 'invalid' });
	const [published, draft, context] = await Promise.all([getRunbook(name), getDraft(name), builderContext()]);
	if (published) return gallery({ name: 'exists' });

	return {
		mode: 'builder' as const,
		name,
		source: draft?.source ?? (template === BLANK_TEMPLATE ? source : renameRunbook(source, name, title)),
		draft: draft ? { updatedBy: draft.updatedByName, updatedAt: draft.updatedAt.toISOString() } : null,
		loadKey: `${name}:${template}:${draft?.updatedAt.toISOString() ?? 'template'}`,
		...context
	};
}) satisfies PageServerLoad;
