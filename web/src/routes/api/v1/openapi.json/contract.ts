import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'This document: the API as OpenAPI 3.1',
	description: 'Public, like any API description: it holds no data, and scripts read it before they sign in.',
	access: 'public',
	responses: { 200: { description: 'The OpenAPI document', schema: z.looseObject({ openapi: z.string() }) } }
});
