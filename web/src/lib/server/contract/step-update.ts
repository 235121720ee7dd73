import { z } from 'zod';
import { uuid } from './fields.ts';
import { operation, type JsonBody } from './operation.ts';

/**
 * A person acting on one step of a run (decide, tick a checklist, override a freeze): any
 * signed-in user may ask; whether it counts is the workflow's Update validator's call, and each
 * of its refusals has a status of its own.
 */
export function stepUpdateOperation<S extends z.ZodType>(summary: string, body: S, ok: z.ZodType) {
	return operation({
		summary,
		access: 'signed-in',
		params: z.object({ id: uuid('must be a run id'), stepId: z.string().min(1).max(200) }),
		body: { json: body } as JsonBody<S>,
		temporal: true,
		responses: {
			200: { description: 'Counted', schema: ok },
			400: 'The workflow refused the request as malformed.',
			403: 'The caller may not do this here (four eyes, or not eligible).',
			404: 'No such run, or no such step in it.',
			409: 'The step is not waiting for this, or it was already decided.',
			503: 'No worker answered in time; try again in a moment.'
		}
	});
}

