import { z } from 'zod';
import { statement } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { drillRunParams } from '../contract.ts';

export const POST = operation({
	summary: 'Abort a drill (admin); its scratch copy is torn down',
	access: ['admin'],
	params: drillRunParams,
	body: { json: z.strictObject({ reason: statement(2000, 'say why the drill must stop') }) },
	temporal: true,
	responses: { 202: { description: 'Aborting', schema: z.looseObject({ id: z.string(), status: z.literal('aborting') }) }, 403: 'Only an admin may abort a drill.', 404: 'No such drill run.', 409: 'The drill has already ended or is ending.' }
});
