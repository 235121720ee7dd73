import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { runParams } from '../contract.ts';

export const GET = operation({
	summary: 'The run as server-sent events: the run view each time it changes, and its log as it grows, until it ends',
	description:
		'Events: `events` (a JSON list of [RunEvent](#/components/schemas/RunEvent) the client has not seen; the SSE id is the last one’s `id`), `run` (the [Run](#/components/schemas/Run) view as JSON) whenever it changes, and `end` once the run has finished and nothing in it waits for a person. Changes are pushed, never polled; a client that reconnects sends `Last-Event-ID` (or `?after=`) and gets only the log entries after it.',
	access: RUNBOOK_READERS,
	params: runParams,
	query: z.object({
		// Unreadable means "from the start", as an absent one does: a stream is never refused for its cursor.
		after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().catch(undefined).meta({ description: 'The id of the last log entry the client has; `Last-Event-ID` does the same.' })
	}),
	responses: { 200: { description: 'text/event-stream of `events`, `run` and `end` events', mediaType: 'text/event-stream' }, 404: 'No such run.' }
});
