import { resolve } from 'node:path';
import type { CrmSeedOptions } from '../db/seed/crm-demo.ts';
import { assertPortsFree, PortError, portsFor } from './ports.ts';
import { firstAdminFile } from '../shared/first-admin.ts';
import type { FirstAdmin } from './bootstrap.ts';
import { ServiceStartError } from './service.ts';
import { startStack, type Stack } from './stack.ts';
import { MissingToolError } from './tools.ts';

export interface LaunchOptions {
	home: string;
	port: number;
	adminPassword?: string;
	/** Tests seed a small demo CRM; `npm start` seeds the full one. */
	crmSeed?: CrmSeedOptions;
	builtInSchedules?: boolean;
}

/** Known failures are told in their own words; anything else with its cause. */
function describe(error: unknown): string {
	if (error instanceof PortError || error instanceof MissingToolError || error instanceof ServiceStartError) return error.message;
	const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
	return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

/** What the person starting Tend needs to sign in the first time, and where it is kept until then. */
function adminLine(admin: FirstAdmin, home: string, chosen: boolean): string {
	if (admin.password && admin.generated) {
		return `First admin: ${admin.username} / ${admin.password}   (kept in ${firstAdminFile(resolve(home))} until the first sign-in, which asks for a new password)`;
	}
	if (admin.password) return `First admin: ${admin.username} / the password in TEND_ADMIN_PASSWORD`;
	return `Log in as ${admin.username}${chosen ? ' (TEND_ADMIN_PASSWORD, if it was set at the first start)' : ''}. A forgotten password: npm run tend -- admin reset-password ${admin.username}`;
}

const indent = (text: string, prefix: string) => text.split('\n').map((line, i) => (i ? `  ${line}` : `${prefix}${line}`)).join('\n');

/**
 * Tend on its embedded default — PostgreSQL, the Temporal dev server, an SMTP sink, the worker and
 * the web app — with all state under `home`, each process watched and restarted if it crashes.
 * SIGINT and SIGTERM stop everything in order and exit 0; a second one exits at once.
 */
export async function launch(options: LaunchOptions): Promise<void> {
	const startedAt = performance.now();
	let ready = false;
	const log = (line: string) => console.log(indent(line, ready ? `[${new Date().toLocaleTimeString()}] ` : '  '));

	const starting = new AbortController();
	let stopping = false;
	const stop = (signal: NodeJS.Signals) => {
		if (stopping) {
			console.log(`\n${signal} again: stopping at once.`);
			// The exit hook of dev/service.ts ends every child that is still running.
			process.exit(130);
		}
		stopping = true;
		console.log(`\nStopping Tend (${signal})…`);
		// A start in progress gives up at its next phase and stops what it had started itself.
		starting.abort();
		void started.then(async (stack) => {
			await stack?.stop();
			console.log('Stopped.');
			process.exit(0);
		});
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	const started = (async (): Promise<Stack | undefined> => {
		try {
			const ports = portsFor(options.port);
			await assertPortsFree(ports);
			console.log(`Starting Tend (data in ${resolve(options.home)})…`);
			return await startStack({
				home: options.home,
				ports,
				adminPassword: options.adminPassword,
				worker: true,
				crmSeed: options.crmSeed,
				builtInSchedules: options.builtInSchedules,
				log,
				signal: starting.signal
			});
		} catch (error) {
			if (starting.signal.aborted) return undefined;
			console.error(indent(`tend: ${describe(error)}`, ''));
			process.exit(1);
		}
	})();

	const stack = await started;
	if (!stack || stopping) return;
	ready = true;
	console.log(`
Tend is running at ${stack.webUrl}  (ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s)
${adminLine(stack.admin, options.home, options.adminPassword !== undefined)}
Temporal UI: ${stack.temporalUiUrl}
Logs: ${resolve(options.home, 'logs')}
Press Ctrl-C to stop.`);
}
