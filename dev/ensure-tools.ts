import { ensureTemporalCli, ensureTemporalTestServer, MissingToolError } from './tools.ts';

/** Provisions the tools Tend needs that npm cannot: used by CI before `npm test`, and by hand. */
try {
	console.log(`Temporal CLI: ${ensureTemporalCli()}`);
	console.log(`Temporal test server: ${ensureTemporalTestServer()}`);
} catch (error) {
	if (error instanceof MissingToolError) {
		console.error(`tend: ${error.message}`);
		process.exit(1);
	}
	throw error;
}
