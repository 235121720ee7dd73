import type { z } from 'zod';
import type { Role } from '$lib/roles.ts';
import { MAX_DOCUMENT_BYTES } from '$runbooks/limits.ts';

/**
 * One API operation as declared beside its route (`contract.ts` next to `+server.ts`): who may
 * call it, the schemas of its path, query and body, and every answer it gives. The route's
 * handler validates with these schemas and may only answer with these statuses (route.ts), and
 * the OpenAPI document is assembled from them (openapi.ts), so the two cannot drift apart.
 * Declarations hold zod schemas and words only: the document is built without a database.
 */

/**
 * `public`: anyone; `signed-in`: any signed-in person; `session`: a person signed in, not an API
 * token (what proves their own password or second factor); a list: signed in with one of these
 * roles (admin always passes).
 */
export type Access = 'public' | 'signed-in' | 'session' | readonly Role[];

export const DOCUMENT_KINDS = ['Runbook', 'Target', 'Window', 'Drill', 'TrainingModule'] as const;

/** A JSON body read and checked against `json`. */
export interface JsonBody<S extends z.ZodType = z.ZodType> {
	json: S;
	/** An empty body is allowed, and the handler then gets `undefined`. */
	optional?: boolean;
	maxBytes?: number;
	/** Fields whose keys the handler checks as names against a declaration, reserved ones included (input-safety.ts). */
	namesAt?: readonly string[];
}

/** A Tend document (YAML or JSON) handed to the handler as text: the document parser checks it, with line and column. */
export interface DocumentBody {
	document: (typeof DOCUMENT_KINDS)[number];
	maxBytes?: number;
}

export interface Answer {
	description: string;
	/** The JSON body's schema; an answer with neither `schema` nor `mediaType` has no body (204). */
	schema?: z.ZodType;
	/** A body of another media type (`text/event-stream`); else a JSON body. */
	mediaType?: string;
	/** Response headers it sets, with what each means. */
	headers?: Record<string, string>;
}

export interface Operation {
	summary: string;
	description?: string;
	access: Access;
	/** Every `[param]` of the route's path. */
	params?: z.ZodObject;
	/** How a path parameter that cannot name anything is answered: by default 404, as there is no such thing. */
	invalidParams?: 400 | 404 | 422;
	query?: z.ZodObject;
	body?: JsonBody | DocumentBody;
	/** It calls Temporal: while Temporal cannot be reached it answers 503 with Retry-After. */
	temporal?: boolean;
	/**
	 * It parses a document on the worker threads (parse-pool.ts), found in this field (`(body)`
	 * for a document body): a full queue answers 503 with Retry-After, a document nested past what
	 * the parser can read 422 at the field.
	 */
	parsedOffThread?: string;
	/**
	 * What is checked beyond what JSON Schema can say (a runbook's declared inputs, a document's
	 * step graph and references, two fields that exclude each other): a request valid by the
	 * schemas may still be refused for it, with 422 (a body) or 400 (a query).
	 */
	checkedBeyondSchema?: string;
	/** What the handler itself answers: success, and every error it returns. Statuses the checks above give are added. */
	responses: Record<number, Answer | string>;
}

export function operation<const O extends Operation>(declared: O): O {
	return declared;
}

export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;
export const RETRY_AFTER_SECONDS = 5;

export function maxBodyBytes(body: JsonBody | DocumentBody): number {
	return body.maxBytes ?? ('document' in body ? MAX_DOCUMENT_BYTES : DEFAULT_MAX_JSON_BYTES);
}

export const isDocumentBody = (body: JsonBody | DocumentBody): body is DocumentBody => 'document' in body;

/**
 * The answers the checks of `route()` give before or around the handler, and why: each is in the
 * document, and none needs to be declared by hand.
 */
export function impliedAnswers(declared: Operation): Map<number, string[]> {
	const answers = new Map<number, string[]>();
	const add = (status: number, why: string) => answers.set(status, [...(answers.get(status) ?? []), why]);
	if (declared.access !== 'public') add(401, 'Not signed in: send the session cookie or an `Authorization: Bearer` token.');
	if (declared.access === 'session') add(403, 'Asked with an API token: only a person signed in may do this.');
	if (Array.isArray(declared.access)) add(403, `The caller lacks the role this needs (${[...declared.access, 'admin'].join(', ')}).`);
	// hooks.server.ts (the account gate): a session whose password or second factor is due may do only that.
	if (declared.access !== 'public') add(403, 'A session whose password must be changed, or whose roles require a second factor not yet enrolled, may do only that first (`passwordChangeRequired`, `mfaEnrolmentRequired`).');
	if (declared.params) add(declared.invalidParams ?? 404, 'A path parameter cannot name anything here (each problem with its `path`).');
	if (declared.query) add(400, 'A query parameter is not valid (each problem with its `path`).');
	if (declared.body) {
		const body = declared.body;
		add(400, isDocumentBody(body) ? 'The body is not UTF-8 text.' : 'The body is not UTF-8 JSON.');
		add(413, `The body is larger than ${maxBodyBytes(body).toLocaleString('en')} bytes.`);
		add(415, isDocumentBody(body) ? 'The body is neither application/yaml nor application/json.' : 'The body is not application/json.');
		add(
			422,
			isDocumentBody(body)
				? 'The document is not valid: each problem with its `path`, `line` and `column`.'
				: 'The body is not valid: each problem with its `path` (also NUL characters, lone surrogates, keys such as `__proto__` and nesting deeper than 64 levels).'
		);
	}
	if (declared.checkedBeyondSchema) add(beyondSchemaStatus(declared), `Also checked: ${declared.checkedBeyondSchema}`);
	if (declared.parsedOffThread) {
		add(422, `A document nested past what the parser can read (at \`${declared.parsedOffThread}\`).`);
		add(503, 'Too many documents are being checked at once; try again after `Retry-After` seconds.');
	}
	if (declared.temporal) add(503, `Temporal cannot be reached or did not answer in time; try again after \`Retry-After\` seconds.`);
	return answers;
}

/** What a request valid by the schemas but not by the checks beyond them gets: 422 for a body, 400 for a query. */
export function beyondSchemaStatus(declared: Operation): 400 | 422 {
	return declared.body ? 422 : 400;
}

/** Every status the operation may answer with, declared or implied. */
export function answeredStatuses(declared: Operation): Set<number> {
	return new Set([...Object.keys(declared.responses).map(Number), ...impliedAnswers(declared).keys()]);
}
