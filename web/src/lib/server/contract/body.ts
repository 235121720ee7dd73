import type { z } from 'zod';
import { findUnsafeInput } from '$runbooks/input-safety.ts';
import { documentTooLarge } from '$runbooks/limits.ts';
import { formatIssuePath, problem } from '../api.ts';
import { isDocumentBody, maxBodyBytes, type DocumentBody, type JsonBody } from './operation.ts';

/**
 * Reads a request body for route(): media type (415), size (413, counted while reading, so an
 * endless body is cut off), UTF-8 and JSON syntax (400), then for JSON the rules every value
 * obeys (input-safety.ts) and the operation's schema (422, each problem with its field path).
 * Nothing the checks refuse reaches a handler, PostgreSQL or Temporal.
 */

const JSON_TYPES = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');
/** The media types a document is documented with; the older YAML names before them are accepted too. */
export const DOCUMENT_MEDIA_TYPES = ['application/yaml', 'application/json'] as const;
const ACCEPTED_DOCUMENT_TYPES: readonly string[] = [...DOCUMENT_MEDIA_TYPES, 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** The body as checked, and the text it was read from (for pointing at a line and column in it). */
export type BodyResult<T> = { ok: true; value: T; text?: string } | { ok: false; response: Response };

const refused = (response: Response): { ok: false; response: Response } => ({ ok: false, response });

export function mediaTypeOf(request: Request): string {
	return request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? '';
}

/** The 413 for a body past `limit`; a document's names its kind, as runbooks/limits.ts words the bound. */
function tooLarge(limit: number, unread: boolean, document?: string): Response {
	const response = document
		? problem(413, 'Content Too Large', `A ${document} document may be at most ${limit} bytes.`, [{ path: '(body)', message: documentTooLarge(document) }])
		: problem(413, 'Content Too Large', `The body may be at most ${limit} bytes.`);
	// Refused unread: the rest of the body is still on the wire, so this connection cannot carry another request.
	if (unread) response.headers.set('connection', 'close');
	return response;
}

/** The body as text, or a 413/400 problem; reading stops at the limit. */
async function readText(request: Request, limit: number, document?: string): Promise<BodyResult<string>> {
	if (Number(request.headers.get('content-length') ?? 0) > limit) return refused(tooLarge(limit, true, document));
	if (!request.body) return { ok: true, value: '' };
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = request.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > limit) {
				await reader.cancel().catch(() => {});
				return refused(tooLarge(limit, true, document));
			}
			chunks.push(value);
		}
	} catch (error) {
		// adapter-node's own limit (BODY_SIZE_LIMIT) ends the stream with a 413 of its own.
		if ((error as { status?: number }).status === 413) return refused(tooLarge(limit, true, document));
		throw error;
	}
	try {
		return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
	} catch {
		return refused(problem(400, 'Bad Request', 'The body is not valid UTF-8.'));
	}
}

export async function readJsonBody<S extends z.ZodType>(request: Request, spec: JsonBody<S>): Promise<BodyResult<z.output<S> | undefined>> {
	const limit = maxBodyBytes(spec);
	const acceptable = JSON_TYPES(mediaTypeOf(request));
	if (!acceptable && !spec.optional) return refused(problem(415, 'Unsupported Media Type', 'Send the body as application/json.'));
	const text = await readText(request, limit);
	if (!text.ok) return text;
	if (spec.optional && text.value.trim() === '') return { ok: true, value: undefined, text: '' };
	if (!acceptable) return refused(problem(415, 'Unsupported Media Type', 'Send the body as application/json.'));
	let body: unknown;
	try {
		body = JSON.parse(text.value);
	} catch {
		return refused(problem(400, 'Bad Request', 'The body is not valid JSON.'));
	}
	const unsafe = findUnsafeInput(body, { namesAt: spec.namesAt, checkedNames: true });
	if (unsafe.length) return refused(invalid(unsafe.map((u) => ({ path: formatIssuePath(u.path) || '(body)', message: u.message }))));
	const parsed = spec.json.safeParse(body);
	if (parsed.success) return { ok: true, value: parsed.data, text: text.value };
	return refused(invalid(parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path) || '(body)', message: issue.message }))));
}

/** A document's source and media type; its content is the document parser's to check. */
export async function readDocumentBody(request: Request, spec: DocumentBody): Promise<BodyResult<{ source: string; mediaType: string }>> {
	const mediaType = mediaTypeOf(request);
	if (!ACCEPTED_DOCUMENT_TYPES.includes(mediaType)) {
		return refused(problem(415, 'Unsupported Media Type', `Send the ${spec.document.toLowerCase()} as application/yaml or application/json.`));
	}
	const text = await readText(request, maxBodyBytes(spec), spec.document.toLowerCase());
	return text.ok ? { ok: true, value: { source: text.value, mediaType }, text: text.value } : text;
}

export function readBody(request: Request, spec: JsonBody | DocumentBody): Promise<BodyResult<unknown>> {
	return isDocumentBody(spec) ? readDocumentBody(request, spec) : readJsonBody(request, spec);
}

function invalid(errors: Array<{ path: string; message: string }>): Response {
	return problem(422, 'Unprocessable Content', 'The request body is not valid.', errors);
}
