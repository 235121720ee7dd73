import { problem } from './api.ts';
import { ParsePoolBusyError } from './parse-pool.ts';

/** A parse off the request thread that failed for a reason the answer can name: the queue was full, or the document nested too deep for the parser. */
export function isOffThreadRefusal(error: unknown): boolean {
	return error instanceof ParsePoolBusyError || error instanceof RangeError || (error instanceof Error && /Maximum call stack size exceeded/.test(error.message));
}

/**
 * What such a failure answers (route() gives it for operations declaring `parsedOffThread`): a
 * full queue is 503 (try again), a document nested too deeply for the parser is the sender's to
 * fix (422, at `field`).
 */
export function offThreadProblem(error: unknown, field = '(body)'): Response {
	if (error instanceof ParsePoolBusyError) return problem(503, 'Service Unavailable', error.message, undefined, { 'retry-after': '1' });
	return problem(422, 'Unprocessable Content', 'The document is nested too deeply to read.', [{ path: field, message: 'is nested too deeply' }]);
}
