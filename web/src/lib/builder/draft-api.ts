import type { I18n } from '$lib/i18n/index.ts';

/**
 * The builder's calls to the server: save the draft, publish it as a version, discard it. Each
 * answers either its value or the failure as text for the author; network errors still throw.
 */

/** Who saved the draft last, and when. */
export interface DraftInfo {
	updatedBy: string;
	updatedAt: string;
}

/** One finding in a problem+json body, where the server could place it. */
export interface ServerError {
	path: string;
	line?: number;
	column?: number;
	message: string;
}

/** A failed call, as text for the author and the findings the server listed. */
export interface Failure {
	ok: false;
	text: string;
	errors: ServerError[];
}

/** The call in flight; the buttons wait for it. */
export type PendingCall = 'save' | 'publish' | 'discard';

export type Outcome<T> = { ok: true; value: T } | Failure;

/** The problem+json body of a failed call, as text for the author. */
async function failure(response: Response, t: I18n['t']): Promise<Failure> {
	const body = await response.json().catch(() => null);
	const text = body?.detail ?? body?.title ?? t('builder:errors.status', { status: response.status });
	return { ok: false, text, errors: Array.isArray(body?.errors) ? body.errors : [] };
}

/** Saves the text as the draft, against the version the work started from. */
export async function putDraft(name: string, source: string, baseVersion: number | null, t: I18n['t']): Promise<Outcome<DraftInfo>> {
	const response = await fetch(`/api/v1/runbooks/${name}/draft`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ source, baseVersion })
	});
	if (!response.ok) return failure(response, t);
	const saved = (await response.json()) as DraftInfo;
	return { ok: true, value: { updatedBy: saved.updatedBy, updatedAt: saved.updatedAt } };
}

/** Publishes the text as the runbook's next version. */
export async function postRunbook(source: string, t: I18n['t']): Promise<Outcome<{ name: string; version: number }>> {
	const response = await fetch('/api/v1/runbooks', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: source });
	if (!response.ok) return failure(response, t);
	return { ok: true, value: (await response.json()) as { name: string; version: number } };
}

/** Deletes the draft; one that is already gone counts as deleted. */
export async function deleteDraft(name: string, t: I18n['t']): Promise<Outcome<null>> {
	const response = await fetch(`/api/v1/runbooks/${name}/draft`, { method: 'DELETE' });
	if (!response.ok && response.status !== 404) return failure(response, t);
	return { ok: true, value: null };
}
