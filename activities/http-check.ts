import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { parseStepParams } from './failures.ts';
import { bodyExcerpt, describeUrl, httpCall } from './http-fetch.ts';
import { allowRedirectTo, httpUrl, stepTimeout } from './http-params.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { stepAddressPolicy } from './targets.ts';

export const httpCheckParams = z.object({
	url: httpUrl,
	expectStatus: z.number().int().min(100).max(599).optional(),
	bodyIncludes: z.string().optional(),
	maxLatencyMs: z.number().int().positive().optional(),
	timeout: stepTimeout,
	allowRedirectTo
});

export interface HttpCheckOutputs extends Record<string, unknown> {
	status: number;
	latencyMs: number;
}

/** Enough of a page to find a marker in it; a health endpoint that answers more is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * GETs the URL and fails when the status, the body or the latency is not what the step asks for.
 * Those failures are retryable: a health URL that flaps during a deploy passes on a later attempt
 * of the step's retry policy. A redirect to another host is not, since retrying cannot change it.
 */
export async function httpCheck(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<HttpCheckOutputs> {
	const params = parseStepParams('http.check', httpCheckParams, raw);
	const answer = await httpCall({
		uses: 'http.check',
		url: params.url,
		method: 'GET',
		headers: { accept: '*/*', 'user-agent': 'tend-http-check' },
		timeoutMs: params.timeout,
		allowRedirectTo: params.allowRedirectTo,
		maxBodyBytes: MAX_BODY_BYTES,
		signal: Context.current().cancellationSignal,
		policy: await stepAddressPolicy(deps, ctx.target)
	});

	const problems: string[] = [];
	const statusOk = params.expectStatus === undefined ? answer.status >= 200 && answer.status < 300 : answer.status === params.expectStatus;
	if (!statusOk) problems.push(`status ${answer.status}, expected ${params.expectStatus ?? 'a 2xx'}`);
	if (params.bodyIncludes !== undefined && !answer.body.includes(params.bodyIncludes)) {
		problems.push(`the body does not contain "${params.bodyIncludes}"${answer.truncated ? ` in its first ${MAX_BODY_BYTES} bytes` : ''} (it begins "${bodyExcerpt(answer.body)}")`);
	}
	if (params.maxLatencyMs !== undefined && answer.latencyMs > params.maxLatencyMs) problems.push(`answered in ${answer.latencyMs} ms, above the ${params.maxLatencyMs} ms allowed`);
	if (problems.length) {
		throw ApplicationFailure.create({
			type: 'HttpCheckFailed',
			message: `http.check: GET ${describeUrl(params.url)}: ${problems.join('; ')}`,
			details: [{ status: answer.status, latencyMs: answer.latencyMs }]
		});
	}
	return { status: answer.status, latencyMs: answer.latencyMs };
}
