import { resolve } from 'node:path';
import { z } from 'zod';
import { PortInUseError, assertPortFree, portsFor } from './ports.ts';
import { MissingToolError } from './tools.ts';
import { startStack, type Stack } from './stack.ts';

/**
 * `npm start`: Tend on its embedded default — PostgreSQL, the Temporal dev server, an SMTP sink,
 * the worker and the web app — with all state under TEND_HOME. Ctrl-C stops everything in order.
 */
const env = z
	.object({
		TEND_HOME: z.string().min(1).default('.tend'),
		PORT: z.coerce.number().int().min(1).max(65535).default(5173),
		TEND_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional()
	})
	.safeParse(process.env);

function fail(message: string): never {
	console.error(`tend: ${message}`);
	process.exit(1);
}

if (!env.success) fail(env.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; '));
const { TEND_HOME, PORT, TEND_ADMIN_PASSWORD } = env.data;
const ports = portsFor(PORT);
const startedAt = performance.now();

async function main(): Promise<void> {
	await assertPortFree(ports.web, 'web', 'set PORT to another port (with its own TEND_HOME for a second instance)');
	await assertPortFree(ports.postgres, 'embedded PostgreSQL', 'set TEND_PG_PORT or PORT');
	await assertPortFree(ports.temporal, 'Temporal dev server', 'set TEMPORAL_PORT or PORT');
	await assertPortFree(ports.temporalUi, 'Temporal Web UI', 'set TEMPORAL_UI_PORT or PORT');
	await assertPortFree(ports.smtp, 'SMTP sink', 'set SMTP_PORT or PORT');

	console.log(`Starting Tend (data in ${resolve(TEND_HOME)})…`);
	const stack: Stack = await startStack({ home: TEND_HOME, ports, adminPassword: TEND_ADMIN_PASSWORD, worker: true, log: (line) => console.log(`  ${line}`) });

	let stopping = false;
	const shutdown = async (code: number) => {
		if (stopping) return;
		stopping = true;
		console.log('\nStopping Tend…');
		await stack.stop();
		process.exit(code);
	};
	process.on('SIGINT', () => void shutdown(0));
	process.on('SIGTERM', () => void shutdown(0));

	console.log(`
Tend is running at ${stack.webUrl}  (ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s)
${stack.admin.password ? `First admin: ${stack.admin.username} / ${stack.admin.password}   (shown once; change it after logging in)` : `Log in as ${stack.admin.username} (its password was printed at first start${TEND_ADMIN_PASSWORD ? ', or is TEND_ADMIN_PASSWORD' : ''})`}
Temporal UI: ${stack.temporalUiUrl}
Logs: ${resolve(TEND_HOME, 'logs')}
Press Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
	if (error instanceof PortInUseError || error instanceof MissingToolError) fail(error.message);
	const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
	fail(`${error instanceof Error ? error.message : String(error)}${cause}`);
});
