import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { nonRetryable, parseStepParams } from './failures.ts';
import { bodyExcerpt, describeUrl, httpCall } from './http-fetch.ts';
import { allowRedirectTo, httpUrl, stepTimeout } from './http-params.ts';
import { isSecretRef, stepSecret } from './secret-refs.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { stepAddressPolicy } from './targets.ts';

const status = z.number().int().min(100).max(599);

export const httpRequestParams = z.object({
	url: httpUrl,
	method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
	headers: z.record(z.string(), z.string()).default({}),
	body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
	expectStatus: z.union([status, z.array(status).min(1)]).optional(),
	timeout: stepTimeout,
	allowRedirectTo
});

export interface HttpRequestOutputs extends Record<string, unknown> {
	status: number;
	latencyMs: number;
	/** The answer: parsed when it is JSON, else its text (at most OUTPUT_BODY_BYTES). */
	body: unknown;
}

/** Outputs live in the workflow's history and the run page; a step that needs more should fetch less. */
const OUTPUT_BODY_BYTES = 64 * 1024;

/** Statuses worth asking again: the server was busy or briefly broken, not refusing the request. */
const isTransient = (code: number) => code === 408 || code === 425 || code === 429 || code >= 500;

/** The same key on every attempt of the step, so a receiver that honours it applies the call once. */
export const idempotencyKeyFor = (ctx: StepContext) => `tend-${ctx.runId}-${ctx.stepId}`;

/**
 * A deploy hook or an API call. Header values written as `secret:NAME` are resolved here and go
 * nowhere else: not into messages, logs or outputs, and not along a redirect to another host.
 */
export async function httpRequest(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<HttpRequestOutputs> {
	const params = parseStepParams('http.request', httpRequestParams, raw);
	if (params.body !== undefined && (params.method === 'GET' || params.method === 'HEAD')) {
		throw nonRetryable('InvalidStepParams', `http.request: a ${params.method} request takes no body; use POST, PUT or PATCH`);
	}
	const headers: Record<string, string> = {};
	const fromSecrets: string[] = [];
	for (const [name, value] of Object.entries(params.headers)) {
		headers[name] = isSecretRef(value) ? await stepSecret(deps, value) : value;
		if (isSecretRef(value)) fromSecrets.push(name.toLowerCase());
	}
	const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
	if (!has('idempotency-key')) headers['Idempotency-Key'] = idempotencyKeyFor(ctx);
	if (!has('user-agent')) headers['User-Agent'] = 'tend-http-request';
	let body: string | undefined;
	if (typeof params.body === 'string') body = params.body;
	else if (params.body !== undefined) {
		body = JSON.stringify(params.body);
		if (!has('content-type')) headers['Content-Type'] = 'application/json';
	}

	const answer = await httpCall({
		uses: 'http.request',
		url: params.url,
		method: params.method,
		headers,
		body,
		timeoutMs: params.timeout,
		allowRedirectTo: params.allowRedirectTo,
		maxBodyBytes: OUTPUT_BODY_BYTES,
		sensitiveHeaders: fromSecrets,
		signal: Context.current().cancellationSignal,
		policy: await stepAddressPolicy(deps, ctx.target)
	});
	const expected = params.expectStatus === undefined ? undefined : [params.expectStatus].flat();
	const ok = expected ? expected.includes(answer.status) : answer.status >= 200 && answer.status < 300;
	if (!ok) {
		const message = `http.request: ${params.method} ${describeUrl(params.url)} answered ${answer.status}, expected ${expected?.join(' or ') ?? 'a 2xx'}${answer.body ? `: ${bodyExcerpt(answer.body)}` : ''}`;
		throw isTransient(answer.status) ? ApplicationFailure.create({ type: 'HttpRequestFailed', message }) : nonRetryable('HttpRequestRejected', message);
	}
	return { status: answer.status, latencyMs: answer.latencyMs, body: outputBody(answer.body, answer.truncated, answer.headers.get('content-type')) };
}

function outputBody(text: string, truncated: boolean, contentType: string | null): unknown {
	if (!truncated && /\bjson\b/i.test(contentType ?? '') && text.trim()) {
		try {
			return JSON.parse(text) as unknown;
		} catch {
			// Not the JSON it claims to be: the text is still worth showing.
		}
	}
	return text;
}
