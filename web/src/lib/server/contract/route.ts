import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import type { z } from 'zod';
import { textProblem } from '$runbooks/input-safety.ts';
import { apiUser, formatIssuePath, problem, statusTitle, type FieldError } from '../api.ts';
import type { SessionUser } from '../auth.ts';
import { isTemporalUnavailable } from '../temporal.ts';
import { isOffThreadRefusal, offThreadProblem } from '../documents.ts';
import { readBody } from './body.ts';
import { answeredStatuses, RETRY_AFTER_SECONDS, type DocumentBody, type JsonBody, type Operation } from './operation.ts';

/**
 * Turns an operation (operation.ts) and its handler into a SvelteKit request handler. Everything
 * the declaration says is checked here, before the handler runs: the caller's access, path and
 * query parameters, the body. The handler gets typed, validated values and can answer only with
 * the statuses its operation declares, which is what the OpenAPI document lists.
 */

declare const answered: unique symbol;
/** A response whose status the operation declares. */
export type Reply<S extends number> = Response & { readonly [answered]: S };

/** The statuses the checks of route() give, which a handler may give for the same reasons. */
type Implied<O extends Operation> =
	| (O extends { params: z.ZodType } ? (O extends { invalidParams: infer S extends number } ? S : 404) : never)
	| (O extends { query: z.ZodType } ? 400 : never)
	| (O extends { body: object } ? 400 | 413 | 415 | 422 : never)
	| (O extends { checkedBeyondSchema: string } ? (O extends { body: object } ? 422 : 400) : never)
	| (O extends { parsedOffThread: string } ? 422 | 503 : never)
	| (O extends { temporal: true } ? 503 : never);
type Declared<O extends Operation> = (keyof O['responses'] & number) | Implied<O>;
type Output<O, K extends string> = O extends { [key in K]: infer S extends z.ZodType } ? z.output<S> : Record<string, never>;
type BodyOf<O> = O extends { body: infer B }
	? B extends JsonBody<infer S>
		? B extends { optional: true }
			? z.output<S> | undefined
			: z.output<S>
		: B extends DocumentBody
			? { source: string; mediaType: string }
			: undefined
	: undefined;
/**
 * What may be sent for a schema: its shape without the index signatures of loose objects (an
 * answer may carry more than the schema names), and a Date wherever a string is expected, since
 * JSON writes one as its ISO string.
 */
type Sendable<T> = T extends string
	? string extends T
		? string | Date
		: T
	: T extends readonly (infer U)[]
		? readonly Sendable<U>[]
		: T extends object
			? { [K in keyof T as string extends K ? never : K]: Sendable<T[K]> }
			: T;
type ReplyBody<O extends Operation, S extends number> = S extends keyof O['responses'] ? (O['responses'][S] extends { schema: infer T extends z.ZodType } ? Sendable<z.input<T>> : unknown) : unknown;

export interface RouteContext<O extends Operation> {
	caller: O['access'] extends 'public' ? SessionUser | null : SessionUser;
	params: Output<O, 'params'>;
	query: Output<O, 'query'>;
	body: BodyOf<O>;
	/** The body's text as sent (empty without a body). */
	bodyText: string;
	event: RequestEvent;
	/** A JSON answer. */
	json<S extends Declared<O>>(status: S, body: ReplyBody<O, S>, headers?: HeadersInit): Reply<S>;
	/** An answer without a body (204), or of another media type (an event stream). */
	send<S extends Declared<O>>(status: S, body?: BodyInit | null, headers?: HeadersInit): Reply<S>;
	/** A problem+json answer; `extensions` are members a client can act on (`mfaRequired`, `stepUpRequired`). */
	problem<S extends Declared<O>>(status: S, detail: string, errors?: FieldError[], headers?: HeadersInit, extensions?: Record<string, unknown>): Reply<S>;
}

export function route<const O extends Operation>(declared: O, handle: (context: RouteContext<O>) => Promise<Reply<Declared<O>>> | Reply<Declared<O>>): RequestHandler {
	const statuses = answeredStatuses(declared);
	return async (event) => {
		let caller: SessionUser | null = event.locals.user;
		if (declared.access !== 'public') {
			const user = declared.access === 'signed-in' || declared.access === 'session' ? apiUser(event.locals) : apiUser(event.locals, ...declared.access);
			if (user instanceof Response) return user;
			if (declared.access === 'session' && !event.locals.session) return problem(403, 'Forbidden', 'Only a person signed in may do this, not an API token.');
			caller = user;
		}
		const params = parse(declared.params, Object.entries(event.params), declared.invalidParams ?? 404, 'This path names nothing that can exist.');
		if (params instanceof Response) return params;
		const query = parse(declared.query, [...event.url.searchParams], 400, 'The query is not valid.');
		if (query instanceof Response) return query;
		let body: unknown;
		let bodyText = '';
		if (declared.body) {
			const read = await readBody(event.request, declared.body);
			if (!read.ok) return read.response;
			body = read.value;
			bodyText = read.text ?? '';
		}

		const reply = <S extends number>(response: Response) => response as Reply<S>;
		const context = {
			caller,
			params,
			query,
			body,
			bodyText,
			event,
			json: (status: number, value: unknown, headers?: HeadersInit) => {
				const response = Response.json(value, { status, headers });
				return reply(response);
			},
			send: (status: number, value?: BodyInit | null, headers?: HeadersInit) => reply(new Response(value ?? null, { status, headers })),
			problem: (status: number, detail: string, errors?: FieldError[], headers?: HeadersInit, extensions?: Record<string, unknown>) =>
				reply(problem(status, statusTitle(status), detail, errors, headers, extensions))
		} as unknown as RouteContext<O>;

		let response: Response;
		try {
			response = await handle(context);
		} catch (error) {
			if (declared.parsedOffThread && isOffThreadRefusal(error)) response = offThreadProblem(error, declared.parsedOffThread);
			else if (declared.temporal && isTemporalUnavailable(error)) {
				console.error(`[tend web] ${event.request.method} ${event.url.pathname}: Temporal is unavailable:`, (error as Error).message);
				response = problem(503, 'Service Unavailable', 'Temporal cannot be reached right now; try again shortly.');
			} else throw error;
		}
		if (response.status === 503 && !response.headers.has('retry-after')) response.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
		if (!statuses.has(response.status)) {
			// The types keep handlers to their declared answers; this catches a cast or a thrown Response.
			console.error(`[tend web] ${event.request.method} ${event.url.pathname} answered ${response.status}, which its contract does not declare`);
		}
		return response;
	};
}

/**
 * Validates path or query parameters: each given once, as plain text (no NUL, no lone
 * surrogates), then the schema, with one problem per parameter (`before=1e20` is both too large
 * and not an integer, but one fix mends both). A strict schema names each parameter it does not
 * know. Without a prototype, `__proto__=x` is a parameter like any other.
 */
function parse(schema: z.ZodObject | undefined, entries: Array<[string, string | undefined]>, status: number, detail: string): unknown {
	if (!schema) return {};
	const given: Record<string, string | undefined> = Object.create(null);
	const errors: FieldError[] = [];
	const add = (path: string, message: string) => {
		if (!errors.some((e) => e.path === path)) errors.push({ path, message });
	};
	for (const [name, value] of entries) {
		if (name in given) add(name, 'give it once');
		given[name] = value;
		const why = value === undefined ? undefined : textProblem(value);
		if (why) add(name, why);
	}
	if (errors.length) return problem(status, statusTitle(status), detail, errors);
	const parsed = schema.safeParse(given);
	if (parsed.success) return parsed.data;
	for (const issue of parsed.error.issues) {
		if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add(key, `is not a parameter here; use ${Object.keys(schema.shape).join(', ')}`);
		else add(formatIssuePath(issue.path) || '(query)', issue.message);
	}
	return problem(status, statusTitle(status), detail, errors);
}
