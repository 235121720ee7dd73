import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Api, ApiError, formatProblem, UnreachableError } from './api.ts';
import { admin, LocalInstallError } from './commands/admin.ts';
import { apply } from './commands/apply.ts';
import { drill } from './commands/drills.ts';
import { keys } from './commands/keys.ts';
import { approve, listApprovals } from './commands/approvals.ts';
import { login } from './commands/login.ts';
import { listRuns, run, watch } from './commands/runs.ts';
import { schedules } from './commands/schedules.ts';
import { loadCredentials, NotConfiguredError } from './credentials.ts';
import { parseInputs, processOutput, UsageError, type Output } from './output.ts';

/** `tend`: the command line over Tend's JSON API (DESIGN §6). */
const HELP = `Usage: tend <command> [options]

  login --url URL --username NAME   sign in and store an API token (password from TEND_PASSWORD or a prompt;
                                    a two-factor code from TEND_OTP or a prompt)
  apply <folder|file>...            publish every Runbook, Window, Target, Drill and TrainingModule document found
  run <runbook> [--input k=v]... [--version N] [--watch]
  watch <runId>                     follow a run; exit 0 if it succeeds, 1 otherwise
  approve <runId> <stepId> [--reject] [--comment TEXT]
  runs [--limit N]                  the newest runs
  approvals                         what waits for your decision
  schedules [list]
  schedules create <runbook> (--every 1h | --cron "0 2 * * *") [--timezone ZONE] [--input k=v]... [--paused] [--note TEXT]
  schedules pause|resume <id> [--note TEXT]
  schedules trigger|delete <id>
  drill run <drill> [--watch]       start a drill (a scratch copy, the fault, the page); --watch follows it
  drill ack|watch <drillRunId>      acknowledge a drill ("I'm on it"), or follow it; watch exits 0 if it passed
  drill abort <drillRunId> --reason TEXT   stop a drill (admin); its scratch copy is torn down
  keys [status]                     which key of the ring seals how many stored secrets (admin)
  keys rotate                       re-encrypt stored secrets with the current key, the first of TEND_SECRET_KEYS (admin)
  admin reset-password USER         on this machine's install (TEND_HOME, PORT as for npm start): a new
                                    one-time password, printed on the last line; changed at next sign-in

The server and token come from TEND_URL and TEND_TOKEN, or from \`tend login\`
($XDG_CONFIG_HOME/tend/credentials.json).`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMAND_OPTIONS: Record<string, Options> = {
	login: { url: { type: 'string' }, username: { type: 'string' }, 'token-name': { type: 'string' } },
	apply: {},
	run: { input: { type: 'string', multiple: true, short: 'i' }, version: { type: 'string' }, watch: { type: 'boolean', short: 'w' } },
	watch: {},
	approve: { reject: { type: 'boolean' }, comment: { type: 'string', short: 'm' } },
	runs: { limit: { type: 'string' } },
	approvals: {},
	keys: {},
	drill: { watch: { type: 'boolean', short: 'w' }, reason: { type: 'string' } },
	admin: {},
	schedules: {
		every: { type: 'string' },
		cron: { type: 'string' },
		timezone: { type: 'string' },
		input: { type: 'string', multiple: true, short: 'i' },
		paused: { type: 'boolean' },
		note: { type: 'string' }
	}
};

function positiveInteger(value: string | undefined, option: string): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a positive whole number, not "${value}"`);
	return n;
}

function need(positionals: string[], count: number, usage: string): void {
	if (positionals.length < count) throw new UsageError(`usage: tend ${usage}`);
	if (positionals.length > count) throw new UsageError(`unexpected argument "${positionals[count]}"; usage: tend ${usage}`);
}

async function main(argv: string[], out: Output = processOutput): Promise<number> {
	const [command, ...rest] = argv;
	if (!command || command === 'help' || command === '--help' || command === '-h') {
		out.line(HELP);
		return command ? 0 : 2;
	}
	const options = COMMAND_OPTIONS[command];
	if (!options) throw new UsageError(`unknown command "${command}"`);
	const { values, positionals } = parseArgs({ args: rest, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
	if (values.help) {
		out.line(HELP);
		return 0;
	}
	const given = values as Record<string, string | boolean | string[] | undefined>;
	const text = (name: string) => given[name] as string | undefined;
	const flag = (name: string) => given[name] === true;
	const list = (name: string) => given[name] as string[] | undefined;

	if (command === 'admin') return admin(positionals[0], positionals.slice(1), out);
	if (command === 'login') {
		need(positionals, 0, 'login --url URL --username NAME');
		return login({ url: text('url'), username: text('username'), tokenName: text('token-name') }, out);
	}
	// Read only once the command line is known to be right: a usage mistake is reported as one.
	const api = () => new Api(loadCredentials());
	switch (command) {
		case 'apply':
			if (!positionals.length) throw new UsageError('usage: tend apply <folder|file>...');
			return apply(api(), positionals, out);
		case 'run':
			need(positionals, 1, 'run <runbook> [--input k=v]... [--version N] [--watch]');
			return run(api(), positionals[0], { inputs: parseInputs(list('input')), version: positiveInteger(text('version'), '--version'), watch: flag('watch') }, out);
		case 'watch':
			need(positionals, 1, 'watch <runId>');
			return watch(api(), positionals[0], out);
		case 'approve':
			need(positionals, 2, 'approve <runId> <stepId> [--reject] [--comment TEXT]');
			return approve(api(), positionals[0], positionals[1], { reject: flag('reject'), comment: text('comment') }, out);
		case 'runs':
			need(positionals, 0, 'runs [--limit N]');
			return listRuns(api(), positiveInteger(text('limit'), '--limit') ?? 20, out);
		case 'approvals':
			need(positionals, 0, 'approvals');
			return listApprovals(api(), out);
		case 'keys':
			if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"; usage: tend keys [status|rotate]`);
			return keys(api(), positionals[0], out);
		case 'drill':
			return drill(api(), positionals[0], positionals.slice(1), { watch: flag('watch'), reason: text('reason') }, out);
		case 'schedules': {
			const [action, ...args] = positionals;
			const schedule = { cron: text('cron'), every: text('every'), timezone: text('timezone'), inputs: parseInputs(list('input')), paused: flag('paused'), note: text('note') };
			return schedules(api(), action, args, schedule, out);
		}
		default:
			throw new UsageError(`unknown command "${command}"`);
	}
}

/** Every failure a person can cause or meet becomes a message and an exit code, never a stack trace. */
function reportFailure(error: unknown, out: Output): number {
	if (error instanceof ApiError) {
		for (const line of formatProblem(error.problem)) out.error(`tend: ${line}`);
		return 1;
	}
	if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
		out.error(`tend: ${error.message}\nRun \`tend help\` for the commands.`);
		return 2;
	}
	if (error instanceof NotConfiguredError || error instanceof UnreachableError || error instanceof LocalInstallError) {
		out.error(`tend: ${error.message}`);
		return 1;
	}
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	if (code === 'ENOENT' || code === 'EACCES') {
		out.error(`tend: ${(error as Error).message}`);
		return 1;
	}
	out.error(`tend: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
	return 1;
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.exitCode = reportFailure(error, processOutput);
	}
);
