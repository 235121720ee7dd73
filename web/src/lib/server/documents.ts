import { documentTooLarge, MAX_DOCUMENT_BYTES } from '$runbooks/limits.ts';
import { problem } from './api.ts';
import { ParsePoolBusyError } from './parse-pool.ts';

/** The media types a document (Runbook, Target, Window) may be sent as. */
const DOCUMENT_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/json']);

/**
 * The body of a documents-as-code POST: its media type and text, or a problem to answer — 415 for
 * another media type, 413 naming the bound when it is too large (refused before it is read
 * whole when the length is declared).
 */
export async function readDocumentBody(request: Request, what: string): Promise<{ mediaType: string; source: string } | Response> {
	const mediaType = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? '';
	if (!DOCUMENT_TYPES.has(mediaType)) return problem(415, 'Unsupported Media Type', `Send the ${what} as application/yaml or application/json.`);
	const tooLarge = () => problem(413, 'Content Too Large', `A ${what} document may be at most ${MAX_DOCUMENT_BYTES} bytes.`, [{ path: '(body)', message: documentTooLarge(what) }]);
	if (Number(request.headers.get('content-length') ?? 0) > MAX_DOCUMENT_BYTES) {
		const refused = tooLarge();
		// Refused unread: the rest of the body is still on the wire, so this connection cannot carry another request.
		refused.headers.set('connection', 'close');
		return refused;
	}
	const source = await request.text();
	if (Buffer.byteLength(source) > MAX_DOCUMENT_BYTES) return tooLarge();
	return { mediaType, source };
}

/**
 * What a parse that failed off the request thread answers: a full queue is 503 (try again), a
 * document nested too deeply for the parser is the sender's to fix (422); anything else is ours.
 */
export function offThreadProblem(error: unknown, field = '(body)'): Response {
	if (error instanceof ParsePoolBusyError) return problem(503, 'Service Unavailable', error.message, undefined, { 'retry-after': '1' });
	if (error instanceof RangeError || (error instanceof Error && /Maximum call stack size exceeded/.test(error.message))) {
		return problem(422, 'Unprocessable Content', 'The document is nested too deeply to read.', [{ path: field, message: 'is nested too deeply' }]);
	}
	throw error;
}
