/**
 * The CLI's HTTP client for /api/v1. Every failure becomes an ApiError carrying the server's
 * problem document (title, detail, field errors), which the commands print as it is.
 */
export interface FieldError {
	path: string;
	message: string;
	line?: number;
	column?: number;
}

export interface Problem {
	title: string;
	status: number;
	detail?: string;
	errors?: FieldError[];
}

export class ApiError extends Error {
	override name = 'ApiError';
	constructor(readonly problem: Problem) {
		super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
	}
}

/** The server could not be reached at all (wrong URL, not running). */
export class UnreachableError extends Error {
	override name = 'UnreachableError';
}

export interface ApiOptions {
	url: string;
	/** An API token, or nothing for `tend login`'s first call. */
	token?: string;
	/** A session cookie, for `tend login`'s second call. */
	cookie?: string;
}

export class Api {
	constructor(private readonly options: ApiOptions) {}

	get url(): string {
		return this.options.url;
	}

	/** Sends a request; resolves to the response (any status) once the body is read. */
	async send(method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; headers: Headers; body: unknown }> {
		const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
		if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
		if (this.options.cookie) {
			headers.cookie = this.options.cookie;
			// A cookie-authenticated change must come from the site's own origin (the server's CSRF check).
			headers.origin = new URL(this.options.url).origin;
		}
		if (contentType) headers['content-type'] = contentType;
		let response: Response;
		try {
			response = await fetch(`${this.options.url}/api/v1${path}`, { method, headers, body, redirect: 'manual' });
		} catch (error) {
			const cause = (error as { cause?: { code?: string; message?: string } }).cause;
			throw new UnreachableError(`cannot reach ${this.options.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
		}
		const text = await response.text();
		let parsed: unknown = null;
		if (text) {
			try {
				parsed = JSON.parse(text);
			} catch {
				parsed = text;
			}
		}
		return { status: response.status, headers: response.headers, body: parsed };
	}

	/** JSON in, JSON out; a status of 400 or more throws an ApiError. */
	async json<T>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
		if (response.status >= 400) throw new ApiError(toProblem(response.status, response.body));
		return response.body as T;
	}
}

/** The server's problem document, or one made up from whatever answered (a proxy's HTML page, say). */
export function toProblem(status: number, body: unknown): Problem {
	if (body && typeof body === 'object' && 'title' in body) return { status, ...(body as Omit<Problem, 'status'>) };
	return { status, title: `HTTP ${status}`, detail: typeof body === 'string' && body.length < 300 ? body : undefined };
}

/**
 * Title, detail and one line per field error; never a stack trace. Positions are left out: they
 * point into the JSON body the CLI wrote, not into anything the user did (`apply` maps a
 * document's positions to its file itself).
 */
export function formatProblem(problem: Problem): string[] {
	return [problem.detail ? `${problem.title}: ${problem.detail}` : problem.title, ...(problem.errors ?? []).map((error) => `  ${error.path}: ${error.message}`)];
}
