import { z } from 'zod';
import { isKeyText, keyId, splitKeyList } from './key-ring.ts';

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
	TEND_SECRET_KEY: z.string().refine(isKeyText, 'must be 32 bytes, base64-encoded').optional(),
	/** The key ring for rotation: the current key first, older ones after (comma or space separated). */
	TEND_SECRET_KEYS: z
		.string()
		.transform(splitKeyList)
		.pipe(z.array(z.string().refine(isKeyText, 'must list keys of 32 bytes each, base64-encoded, separated by commas')).min(1, 'must list at least one key'))
		.optional(),
	TEND_PG_BIN: z.string().min(1).optional(),
	TEND_PUBLIC_URL: z.string().url().optional(),
	/**
	 * /readyz counts a worker as polling if Temporal saw it poll within this many seconds. An idle
	 * poll lasts up to the server's long-poll interval (a minute by default), so keep it above that.
	 */
	TEND_READY_WORKER_WITHIN: z.coerce.number().int().min(1).max(3600).default(90)
});

/**
 * TEND_SECRET_KEY alone is a ring of one. With TEND_SECRET_KEYS, TEND_SECRET_KEY may stay set
 * during a rotation but must be one of the ring's keys, so a key is never dropped by accident.
 * Checked on the raw environment, so these are named even when other variables are bad too.
 */
function keyRingProblems(env: Record<string, string | undefined>): string[] {
	const single = env.TEND_SECRET_KEY;
	const ring = env.TEND_SECRET_KEYS === undefined ? undefined : splitKeyList(env.TEND_SECRET_KEYS);
	if (single === undefined && ring === undefined) return ['TEND_SECRET_KEY is required but not set (or set TEND_SECRET_KEYS, the key ring)'];
	if (!ring?.every(isKeyText)) return [];
	const ids = ring.map((text) => keyId(Buffer.from(text, 'base64')));
	const problems: string[] = [];
	if (new Set(ids).size !== ids.length) problems.push('TEND_SECRET_KEYS lists the same key twice');
	if (single !== undefined && isKeyText(single) && !ids.includes(keyId(Buffer.from(single, 'base64'))))
		problems.push('TEND_SECRET_KEY must be one of the keys in TEND_SECRET_KEYS (list the old key after the new one while rotating)');
	return problems;
}

/** The parsed TEND_SECRET_KEY is the ring's current key: it encrypts and signs; TEND_SECRET_KEYS is the whole ring. */
const withKeyRing = (env: z.infer<typeof schema>) => {
	const keys = env.TEND_SECRET_KEYS ?? [env.TEND_SECRET_KEY!];
	return { ...env, TEND_SECRET_KEY: keys[0], TEND_SECRET_KEYS: keys };
};

export type Config = ReturnType<typeof withKeyRing>;

export class ConfigError extends Error {
	override name = 'ConfigError';
}

/** Validates `env` and names every bad or missing variable in one message. */
export function parseConfig(given: Record<string, string | undefined>): Config {
	// An empty TEND_SECRET_KEYS (docker-compose passes one when it is unset) means no ring: TEND_SECRET_KEY alone.
	const env = given.TEND_SECRET_KEYS?.trim() ? given : { ...given, TEND_SECRET_KEYS: undefined };
	const result = schema.safeParse(env);
	const problems = result.success
		? []
		: result.error.issues.map((issue) => {
				const name = String(issue.path[0]);
				const message = env[name] === undefined ? 'is required but not set' : issue.message;
				return `${name} ${message}`;
			});
	problems.push(...keyRingProblems(env));
	if (result.success && !problems.length) return withKeyRing(result.data);
	throw new ConfigError(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
}

let cached: Config | undefined;

export function config(): Config {
	cached ??= parseConfig(process.env);
	return cached;
}
