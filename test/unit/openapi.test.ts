import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answeredStatuses } from '../../web/src/lib/server/contract/operation.ts';
import { declaredOperations, HTTP_METHODS, openApiDocument } from '../../web/src/lib/server/openapi.ts';

const apiRoot = join(import.meta.dirname, '../../web/src/routes/api/v1');

function routeFolders(folder: string): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? routeFolders(join(folder, entry.name)) : entry.name === '+server.ts' ? [folder] : []
	);
}

/** `runs/[id]/cancel` → `/runs/{id}/cancel`, the OpenAPI spelling. */
const toOpenApiPath = (folder: string) => `/${relative(apiRoot, folder).split(sep).join('/')}`.replace(/\[(\w+)\]/g, '{$1}');
/** The handlers a route file exports: `export const POST = …`. */
const exportedMethods = (folder: string) =>
	[...readFileSync(join(folder, '+server.ts'), 'utf8').matchAll(/^export const (\w+)\b/gm)].map((m) => m[1]).filter((name) => (HTTP_METHODS as readonly string[]).includes(name)).sort();

type Schema = Record<string, unknown>;
const document = openApiDocument('http://tend.test') as unknown as { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };

describe('the OpenAPI document', () => {
	it('has one operation for each handler a route exports, and none other', () => {
		const fromRoutes = routeFolders(apiRoot).flatMap((folder) => exportedMethods(folder).map((method) => `${method} ${toOpenApiPath(folder)}`));
		const declared = declaredOperations().map(({ method, path }) => `${method} ${path}`);
		expect(declared.sort()).toEqual(fromRoutes.sort());
		expect(Object.keys(document.paths).sort()).toEqual([...new Set(routeFolders(apiRoot).map(toOpenApiPath))].sort());
	});

	it('keeps every path and method of the published contract', () => {
		const published = [
			'POST /session', 'DELETE /session', 'GET /me', 'GET /users', 'POST /users', 'GET /runbooks', 'POST /runbooks', 'GET /runbooks/{name}', 'GET /runbooks/{name}/versions',
			'GET /runbooks/{name}/diff', 'POST /runbooks/{name}/dry-run', 'GET /runbooks/{name}/draft', 'PUT /runbooks/{name}/draft', 'DELETE /runbooks/{name}/draft',
			'POST /runbooks/{name}/runs', 'GET /runs', 'GET /runs/{id}', 'GET /runs/{id}/events', 'POST /runs/{id}/cancel', 'POST /runs/{id}/resume',
			'POST /runs/{id}/steps/{stepId}/decision', 'POST /runs/{id}/steps/{stepId}/checklist', 'POST /runs/{id}/steps/{stepId}/override',
			'GET /emergency-stop', 'POST /emergency-stop', 'DELETE /emergency-stop', 'GET /approvals', 'GET /notifications', 'POST /notifications/read',
			'GET /tokens', 'POST /tokens', 'DELETE /tokens/{id}', 'GET /schedules', 'POST /schedules', 'GET /schedules/{id}', 'DELETE /schedules/{id}',
			'POST /schedules/{id}/pause', 'POST /schedules/{id}/trigger', 'GET /windows', 'POST /windows', 'GET /windows/{name}', 'GET /targets', 'POST /targets',
			'GET /targets/{name}', 'POST /targets/{name}/test', 'GET /secrets', 'PUT /secrets/{name}', 'GET /audit', 'GET /audit/verify', 'GET /keys', 'POST /keys/rotate'
		];
		const declared = new Set(declaredOperations().map(({ method, path }) => `${method} ${path}`));
		expect(published.filter((operation) => !declared.has(operation))).toEqual([]);
	});

	it('declares a schema for every path parameter, and documents every status an operation can answer', () => {
		for (const { path, method, operation } of declaredOperations()) {
			const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
			expect(Object.keys(operation.params?.shape ?? {}).sort(), `${method} ${path}`).toEqual(names.sort());
			const documented = Object.keys(document.paths[path][method.toLowerCase()].responses as Schema).map(Number);
			expect(documented, `${method} ${path}`).toEqual(expect.arrayContaining([...answeredStatuses(operation)]));
		}
	});

	it('answers errors as problem+json, and says where auth, bodies and Temporal add theirs', () => {
		for (const { path, method, operation } of declaredOperations()) {
			const responses = document.paths[path][method.toLowerCase()].responses as Record<string, Schema>;
			for (const [status, response] of Object.entries(responses)) {
				if (Number(status) >= 400) expect(Object.keys(response.content as Schema), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
			}
			if (operation.access !== 'public') expect(responses['401'], `${method} ${path}`).toBeDefined();
			if (operation.body) expect(Object.keys(responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
			if (operation.temporal) expect(responses['503'].headers, `${method} ${path}`).toHaveProperty('Retry-After');
		}
	});

	it('takes documents as YAML or JSON, described by the schemas generated from their validators', () => {
		for (const path of ['/runbooks', '/targets', '/windows']) {
			const content = (document.paths[path].post.requestBody as { content: Record<string, unknown> }).content;
			expect(Object.keys(content)).toEqual(expect.arrayContaining(['application/yaml', 'application/json']));
		}
		expect(JSON.stringify(document.components.schemas.Runbook)).toContain('apiVersion');
		expect(document.components.schemas.Target).toMatchObject({ type: 'object' });
	});

	it('states on every string sent that it holds no NUL, and on every map that its keys are plain', () => {
		const unstated: string[] = [];
		const walk = (node: unknown, where: string) => {
			if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${where}[${i}]`));
			if (!node || typeof node !== 'object') return;
			const schema = node as Schema;
			if (schema.type === 'string' && !['pattern', 'format', 'enum', 'const'].some((key) => key in schema)) unstated.push(where);
			for (const [key, value] of Object.entries(schema)) walk(value, `${where}.${key}`);
		};
		for (const [path, item] of Object.entries(document.paths)) {
			for (const [method, operation] of Object.entries(item)) {
				walk(operation.requestBody, `${method} ${path} body`);
				walk(operation.parameters, `${method} ${path} parameters`);
			}
		}
		walk(document.components.schemas.Runbook, 'Runbook');
		expect(unstated).toEqual([]);
		expect((document.paths['/runbooks/{name}/runs'].post.requestBody as { content: Record<string, { schema: Schema }> }).content['application/json'].schema.properties).toMatchObject({
			inputs: { propertyNames: { not: { enum: ['__proto__', 'constructor', 'prototype'] } } }
		});
	});

	it('describes a run as the run view pages and the stream use, every field DESIGN §6 names kept', () => {
		const run = document.components.schemas.Run as { properties: Record<string, Schema> };
		expect(Object.keys(run.properties)).toEqual(expect.arrayContaining(['id', 'runbook', 'version', 'status', 'initiator', 'inputs', 'startedAt', 'finishedAt', 'steps', 'target', 'error', 'createdAt', 'resumes', 'queue', 'emergencyStop']));
		const step = (run.properties.steps as { items: { properties: Record<string, Schema> } }).items;
		expect(Object.keys(step.properties)).toEqual(expect.arrayContaining(['id', 'uses', 'status', 'attempts', 'startedAt', 'finishedAt', 'outputs', 'error', 'name', 'hold', 'approval', 'checklist', 'items', 'retry']));
		expect(Object.keys((step.properties.approval as { properties: Schema }).properties)).toEqual(expect.arrayContaining(['round', 'approvers', 'decisions', 'quorum']));
		const event = document.components.schemas.RunEvent as { properties: Record<string, Schema> };
		expect(Object.keys(event.properties)).toEqual(expect.arrayContaining(['id', 'stepId', 'kind', 'details', 'status', 'message', 'at']));
		const stream = document.paths['/runs/{id}/events'].get as { parameters: Array<{ name: string; in: string }>; description: string };
		expect(stream.parameters).toContainEqual(expect.objectContaining({ name: 'after', in: 'query' }));
		expect(stream.description).toMatch(/`events`.*`run`.*`end`/s);
	});
});
