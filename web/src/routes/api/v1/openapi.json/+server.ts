import { route } from '$lib/server/contract/route.ts';
import { openApiDocument } from '$lib/server/openapi.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, ({ event, json }) => json(200, openApiDocument(event.url.origin)));
