import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { LastFilesSequencer } from './test/setup/sequencer.ts';

/**
 * Projects: `unit` (pure logic, fast, parallel; property tests get a minute, as a busy machine can stretch 5 s of fast-check), `component` (Svelte components in jsdom),
 * `workflow`, `integration` (a real PostgreSQL, Temporal
 * dev server, SMTP sink, web app and workers started once by test/setup/stack.ts; files run one
 * after another because they share that stack and kill workers), and `launcher` (whole instances
 * started as `npm start` starts them).
 */
const root = (folder: string) => fileURLToPath(new URL(`./${folder}`, import.meta.url));
/** SvelteKit's aliases (svelte.config.js), for web modules that tests import directly. */
const alias = { $lib: root('web/src/lib'), $db: root('db'), $runbooks: root('runbooks'), $workflows: root('workflows'), $shared: root('shared'), $activities: root('activities') };

export default defineConfig({
	test: {
		sequence: { sequencer: LastFilesSequencer },
		projects: [
			{ resolve: { alias }, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 } },
			{
				// Svelte components rendered in jsdom with Svelte's browser build; `$lib` as SvelteKit resolves it.
				plugins: [svelte()],
				resolve: { conditions: ['browser'], alias },
				test: { name: 'component', include: ['test/component/**/*.test.ts'], environment: 'jsdom' }
			},
			{ resolve: { alias }, test: { name: 'workflow', include: ['test/workflow/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 } },
			{
				resolve: { alias },
				test: {
					name: 'integration',
					include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
					globalSetup: ['test/setup/stack.ts'],
					fileParallelism: false,
					testTimeout: 180_000,
					hookTimeout: 300_000
				}
			},
			{
				// The launcher (`npm start`) as a child process with its own TEND_HOME and PORT; it needs no
				// shared stack, and runs after the other projects so two stacks never compete for the CPU.
				resolve: { alias },
				test: { name: 'launcher', include: ['test/launcher/**/*.test.ts'], fileParallelism: false, testTimeout: 240_000, hookTimeout: 300_000, sequence: { groupOrder: 1 } }
			}
		]
	}
});
