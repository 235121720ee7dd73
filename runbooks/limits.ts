/**
 * Bounds on what anyone who may send a document can make the server parse (issue 12, hole 6):
 * parsing is linear in the document, but YAML costs tens of microseconds per node, so the bytes
 * bound the time, and the step count bounds everything done per step afterwards (validation,
 * planning, the dry run, a run's history). Answered as 413 (bytes) or 422 (steps) with the field.
 */
export const MAX_DOCUMENT_BYTES = 1_000_000;
export const MAX_STEPS = 1_000;

export const documentTooLarge = (what: string) => `a ${what} document may be at most ${MAX_DOCUMENT_BYTES} bytes`;
