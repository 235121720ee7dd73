import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import { RESERVED_KEYS } from '$runbooks/input-safety.ts';
import { drillJsonSchema, runbookJsonSchema, targetJsonSchema, trainingModuleJsonSchema, windowJsonSchema } from '$runbooks/json-schema.ts';
import { DOCUMENT_MEDIA_TYPES } from './contract/body.ts';
import { beyondSchemaStatus, DOCUMENT_KINDS, impliedAnswers, isDocumentBody, type Answer, type Operation } from './contract/operation.ts';
import { jsonValue } from './contract/fields.ts';
import { problemSchema, runEventSchema } from './contract/schemas.ts';

/**
 * The API as OpenAPI 3.1, assembled from the operations declared beside the routes
 * (`web/src/routes/api/v1/**\/contract.ts`): a route's path is where its folder is, its schemas
 * are the ones that validate its requests, its answers are the ones its handler may give
 * (route.ts), so the document cannot describe an API other than the one that runs.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface DeclaredOperation {
	path: string;
	method: HttpMethod;
	operation: Operation;
}

const contractModules = import.meta.glob<Record<string, unknown>>('../../routes/api/v1/**/contract.ts', { eager: true });

/** `../../routes/api/v1/runs/[id]/cancel/contract.ts` → `/runs/{id}/cancel`. */
export function apiPathOf(file: string): string {
	const folder = file.replace(/^.*\/routes\/api\/v1/, '').replace(/\/contract\.ts$/, '');
	return (folder || '/').replace(/\[(\w+)\]/g, '{$1}');
}

/** Every operation the API has, from the contracts beside its routes. */
export function declaredOperations(): DeclaredOperation[] {
	return Object.entries(contractModules)
		.flatMap(([file, exports]) => HTTP_METHODS.filter((method) => exports[method]).map((method) => ({ path: apiPathOf(file), method, operation: exports[method] as Operation })))
		.sort((a, b) => a.path.localeCompare(b.path) || HTTP_METHODS.indexOf(a.method) - HTTP_METHODS.indexOf(b.method));
}

/** What every string and every key sent to the API must be (runbooks/input-safety.ts), as JSON Schema. */
const NO_NUL = '^[^\\u0000]*$';
const DATA_KEY = { pattern: NO_NUL, not: { enum: [...RESERVED_KEYS] } };
const UNSAFE_METHODS = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

const problemContent = { 'application/problem+json': { schema: problemSchema } };

function answer(status: number, declared: Answer | string | undefined, implied: string[] | undefined): ZodOpenApiResponseObject {
	const spec: Answer = typeof declared === 'string' ? { description: declared } : (declared ?? { description: '' });
	const description = [spec.description, ...(implied ?? [])].filter(Boolean).join(' ');
	const headers: Record<string, { description: string; schema: { type: 'string' | 'integer' } }> = {};
	for (const [name, why] of Object.entries(spec.headers ?? {})) headers[name] = { description: why, schema: { type: 'string' } };
	if (status === 401) headers['WWW-Authenticate'] = { description: 'Bearer realm="tend"', schema: { type: 'string' } };
	if (status === 503) headers['Retry-After'] = { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } };
	const response: ZodOpenApiResponseObject = { description, ...(Object.keys(headers).length ? { headers } : {}) };
	if (status >= 400) response.content = problemContent;
	else if (spec.mediaType) response.content = { [spec.mediaType]: { schema: spec.schema ?? { type: 'string' } } };
	else if (spec.schema) response.content = { 'application/json': { schema: spec.schema } };
	return response;
}

function operationObject(path: string, method: HttpMethod, declared: Operation): ZodOpenApiOperationObject {
	const implied = impliedAnswers(declared);
	if (UNSAFE_METHODS.has(method)) {
		implied.set(403, [...(implied.get(403) ?? []), "A cookie-authenticated call from another site (its Origin is not this site's) is refused."]);
	}
	const statuses = [...new Set([...Object.keys(declared.responses).map(Number), ...implied.keys()])].sort((a, b) => a - b);
	const responses = Object.fromEntries(statuses.map((status) => [String(status), answer(status, declared.responses[status], implied.get(status))]));
	const result: ZodOpenApiOperationObject = {
		operationId: operationId(path, method),
		summary: declared.summary,
		...(declared.description || declared.checkedBeyondSchema ? { description: [declared.description, declared.checkedBeyondSchema && `Checked beyond the schema: ${declared.checkedBeyondSchema}`].filter(Boolean).join('\n\n') } : {}),
		tags: [path.split('/')[1] || 'api'],
		...(declared.access === 'public' ? { security: [] } : declared.access === 'session' ? { security: [{ session: [] }] } : {}),
		requestParams: { ...(declared.params ? { path: declared.params } : {}), ...(declared.query ? { query: declared.query } : {}) },
		responses
	};
	// For tools that generate requests from the schemas (test/integration/schemathesis.test.ts): this status may answer a schema-valid one.
	if (declared.checkedBeyondSchema) (result as unknown as Record<string, unknown>)['x-tend-checked-beyond-schema'] = { status: beyondSchemaStatus(declared), checks: declared.checkedBeyondSchema };
	const body = declared.body;
	if (body && isDocumentBody(body)) {
		const schema = { $ref: `#/components/schemas/${body.document}` };
		result.requestBody = { required: true, content: Object.fromEntries(DOCUMENT_MEDIA_TYPES.map((type) => [type, { schema }])) };
	} else if (body) {
		result.requestBody = { required: !body.optional, content: { 'application/json': { schema: body.json } } };
	}
	return result;
}

/** `POST /runs/{id}/cancel` → `postRunsIdCancel`. */
function operationId(path: string, method: HttpMethod): string {
	const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
	return method.toLowerCase() + words.map((word) => word[0].toUpperCase() + word.slice(1)).join('');
}

/**
 * Adds the rule every request obeys to each string and each map of the document: no NUL (a
 * pattern), no reserved key (`__proto__`, `constructor`, `prototype`). Lone surrogates and the
 * nesting bound cannot be said in JSON Schema; the descriptions say them.
 */
function statePlainText(node: unknown): void {
	if (Array.isArray(node)) return node.forEach(statePlainText);
	if (!node || typeof node !== 'object') return;
	const schema = node as Record<string, unknown>;
	const types = Array.isArray(schema.type) ? schema.type : [schema.type];
	if (types.includes('string') && !('pattern' in schema) && !('format' in schema) && !('enum' in schema) && !('const' in schema)) schema.pattern = NO_NUL;
	if (types.includes('object') && !('$ref' in schema)) {
		// An object that ignores keys it does not know still reads their values: they obey the same rules.
		if (schema.properties && !('additionalProperties' in schema)) schema.additionalProperties = { $ref: '#/components/schemas/JsonValue' };
		if (schema.additionalProperties !== false && !('propertyNames' in schema)) schema.propertyNames = DATA_KEY;
	}
	for (const value of Object.values(schema)) statePlainText(value);
}

export function openApiDocument(serverUrl: string) {
	const paths: ZodOpenApiPathsObject = {};
	for (const { path, method, operation } of declaredOperations()) {
		paths[path] = { ...paths[path], [method.toLowerCase()]: operationObject(path, method, operation) };
	}
	const document = createDocument(
		{
			openapi: '3.1.0',
			info: {
				title: 'Tend API',
				version: '1',
				description:
					'Durable maintenance runbooks. Errors are application/problem+json with field paths (and line/column for documents). Every string and key sent is checked before it is used: no NUL characters, no lone UTF-16 surrogates, no keys `__proto__`, `constructor` or `prototype`, objects and lists at most 64 levels deep.'
			},
			servers: [{ url: `${serverUrl}/api/v1` }],
			security: [{ session: [] }, { bearer: [] }],
			paths,
			components: {
				securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'tend_session' }, bearer: { type: 'http', scheme: 'bearer' } },
				schemas: { Problem: problemSchema, JsonValue: jsonValue, RunEvent: runEventSchema, Target: targetJsonSchema(), Window: windowJsonSchema(), Runbook: runbookJsonSchema(), Drill: drillJsonSchema(), TrainingModule: trainingModuleJsonSchema() }
			}
		}
	);
	for (const item of Object.values(document.paths ?? {})) {
		for (const method of HTTP_METHODS) {
			const operation = item[method.toLowerCase() as Lowercase<HttpMethod>];
			statePlainText(operation?.requestBody);
			statePlainText(operation?.parameters);
		}
	}
	// The components requests refer to; answers are Tend's own and need no such rule.
	for (const name of ['JsonValue', ...DOCUMENT_KINDS]) statePlainText(document.components?.schemas?.[name]);
	return document;
}
