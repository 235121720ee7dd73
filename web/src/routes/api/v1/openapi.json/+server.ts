import { json } from '@sveltejs/kit';
import { openApiDocument } from '$lib/server/openapi.ts';
import type { RequestHandler } from './$types';

/** Public, like any API description: it holds no data, and scripts read it before they sign in. */
export const GET: RequestHandler = ({ url }) => json(openApiDocument(url.origin));
