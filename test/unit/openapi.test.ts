import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../web/src/lib/server/openapi.ts';

const apiRoot = join(import.meta.dirname, '../../web/src/routes/api/v1');

function routeFiles(folder: string): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? routeFiles(join(folder, entry.name)) : entry.name === '+server.ts' ? [folder] : []
	);
}

/** `runs/[id]/cancel` → `/runs/{id}/cancel`, the OpenAPI spelling. */
const toOpenApiPath = (folder: string) => `/${relative(apiRoot, folder).split(sep).join('/')}`.replace(/\[(\w+)\]/g, '{$1}');

describe('the OpenAPI document', () => {
	const document = openApiDocument('http://tend.test');

	it('describes every API route there is, and none that is not', () => {
		const routes = routeFiles(apiRoot).map(toOpenApiPath).filter((path) => path !== '/openapi.json').sort();
		expect(Object.keys(document.paths).sort()).toEqual(routes);
	});

	it('carries the runbook document schema generated from the validator', () => {
		expect(document.components.schemas.Runbook).toMatchObject({ type: 'object' });
		expect(JSON.stringify(document.components.schemas.Runbook)).toContain('apiVersion');
	});
});
