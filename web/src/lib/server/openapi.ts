import { runbookJsonSchema } from '../../../../runbooks/json-schema.ts';

/**
 * The API as OpenAPI 3.1, for outside scripts and the `tend` CLI. Written by hand next to the
 * routes it describes; the runbook document's schema comes from the same zod schema that
 * validates it, so the two cannot drift apart.
 */
const problem = { description: 'An RFC 9457 problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const errors = { '401': problem, '403': problem };

export function openApiDocument(serverUrl: string) {
	return {
		openapi: '3.1.0',
		info: { title: 'Tend API', version: '1', description: 'Durable maintenance runbooks. Errors are application/problem+json with field paths (and line/column for documents).' },
		servers: [{ url: `${serverUrl}/api/v1` }],
		security: [{ session: [] }, { bearer: [] }],
		paths: {
			'/session': {
				post: { summary: 'Sign in (sets the session cookie)', security: [], requestBody: jsonBody({ type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } }), responses: { '200': ok('Signed in'), '401': problem, '422': problem, '429': problem } },
				delete: { summary: 'Sign out', responses: { '204': { description: 'Signed out' }, ...errors } }
			},
			'/me': { get: { summary: 'Who is signed in', responses: { '200': ok('The caller'), ...errors } } },
			'/users': {
				get: { summary: 'List users (admin)', responses: { '200': ok('Users'), ...errors } },
				post: { summary: 'Create a user (admin)', requestBody: jsonBody({ type: 'object', required: ['username', 'password', 'roles'], properties: { username: { type: 'string' }, password: { type: 'string', minLength: 12 }, roles: { type: 'array', items: { type: 'string' } }, email: { type: 'string' } } }), responses: { '201': ok('Created'), '409': problem, '422': problem, ...errors } }
			},
			'/runbooks': {
				get: { summary: 'List runbooks', responses: { '200': ok('Runbooks'), ...errors } },
				post: {
					summary: 'Publish a runbook document as a new immutable version',
					requestBody: { required: true, content: { 'application/yaml': { schema: { $ref: '#/components/schemas/Runbook' } }, 'application/json': { schema: { $ref: '#/components/schemas/Runbook' } } } },
					responses: { '201': ok('Published'), '200': ok('Unchanged: the source equals the latest version'), '413': problem, '415': problem, '422': problem, ...errors }
				}
			},
			'/runbooks/{name}': { get: { summary: 'A runbook with its latest version', parameters: [id('name')], responses: { '200': ok('Runbook'), '404': problem, ...errors } } },
			'/runbooks/{name}/versions': { get: { summary: 'Its versions, newest first', parameters: [id('name')], responses: { '200': ok('Versions'), '404': problem, ...errors } } },
			'/runbooks/{name}/diff': {
				get: { summary: 'Diff two versions', parameters: [id('name'), { name: 'from', in: 'query', required: true, schema: { type: 'integer' } }, { name: 'to', in: 'query', schema: { type: 'integer' } }], responses: { '200': ok('Patch and step changes'), '400': problem, '404': problem, ...errors } }
			},
			'/runbooks/{name}/runs': {
				post: { summary: 'Start a run', parameters: [id('name')], requestBody: jsonBody({ type: 'object', properties: { inputs: { type: 'object' }, version: { type: 'integer' } } }), responses: { '201': ok('Started', { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }), '404': problem, '422': problem, ...errors } }
			},
			'/runs': { get: { summary: 'Recent runs', responses: { '200': ok('Runs'), ...errors } } },
			'/runs/{id}': { get: { summary: 'A run and its steps', parameters: [id('id')], responses: { '200': ok('Run', { $ref: '#/components/schemas/Run' }), '404': problem, ...errors } } },
			'/runs/{id}/cancel': { post: { summary: 'Cancel a run (compensates with rollback)', parameters: [id('id')], responses: { '202': ok('Cancelling'), '404': problem, '409': problem, ...errors } } },
			'/runs/{id}/steps/{stepId}/decision': {
				post: {
					summary: 'Approve or reject a waiting step',
					parameters: [id('id'), id('stepId')],
					requestBody: jsonBody({ type: 'object', required: ['decision'], properties: { decision: { enum: ['approve', 'reject'] }, comment: { type: 'string' } } }),
					responses: { '200': ok('Counted: where the approval stands'), '403': problem, '404': problem, '409': problem, '422': problem, '503': problem, '401': problem }
				}
			},
			'/approvals': { get: { summary: 'What the caller may decide now', responses: { '200': ok('Approvals'), ...errors } } }
		},
		components: {
			securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'tend_session' }, bearer: { type: 'http', scheme: 'bearer' } },
			schemas: {
				Problem: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' } } } } } },
				Run: {
					type: 'object',
					properties: {
						id: { type: 'string' }, runbook: { type: 'string' }, version: { type: 'integer' }, status: { type: 'string' }, initiator: { type: 'string' }, inputs: { type: 'object' }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] },
						steps: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, uses: { type: 'string' }, status: { type: 'string' }, attempts: { type: 'integer' }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] }, outputs: { type: ['object', 'null'] }, error: { type: ['string', 'null'] } } } }
					}
				},
				Runbook: runbookJsonSchema()
			}
		}
	};
}
