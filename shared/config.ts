import { z } from 'zod';

/** The task queue web and worker meet on unless TEND_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'tend-runbooks';

/**
 * Runtime configuration for the web app and the worker, read once from the environment and
 * validated at start. The embedded launcher (dev/start.ts) computes DATABASE_URL and friends
 * and passes them to its children, so web and worker read the same variables in every mode.
 */
const portSchema = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
	TEND_HOME: z.string().min(1).default('.tend'),
	PORT: portSchema.default(5173),
	DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
	TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
	TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
	TEMPORAL_API_KEY: z.string().min(1).optional(),
	TEMPORAL_TLS_CERT: z.string().min(1).optional(),
	TEMPORAL_TLS_KEY: z.string().min(1).optional(),
	TEND_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
	SMTP_URL: z.string().url({ message: 'must be an smtp:// URL' }).default('smtp://127.0.0.1:25173'),
	MAIL_FROM: z.string().min(3).default('Tend <tend@localhost>'),
	TEND_SECRET_KEY: z
		.string()
		.refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
	TEND_PG_BIN: z.string().min(1).optional(),
	TEND_PUBLIC_URL: z.string().url().optional(),
	/**
	 * /readyz counts a worker as polling if Temporal saw it poll within this many seconds. An idle
	 * poll lasts up to the server's long-poll interval (a minute by default), so keep it above that.
	 */
	TEND_READY_WORKER_WITHIN: z.coerce.number().int().min(1).max(3600).default(90)
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
	override name = 'ConfigError';
}

/** Validates `env` and names every bad or missing variable in one message. */
export function parseConfig(env: Record<string, string | undefined>): Config {
	const result = schema.safeParse(env);
	if (result.success) return result.data;
	const lines = result.error.issues.map((issue) => {
		const name = String(issue.path[0]);
		const message = env[name] === undefined ? 'is required but not set' : issue.message;
		return `  ${name} ${message}`;
	});
	throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

let cached: Config | undefined;

export function config(): Config {
	cached ??= parseConfig(process.env);
	return cached;
}
