import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** The SvelteKit app lives under web/ (DESIGN §1); the rest of the repo is shared TypeScript. */
/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// The repo's shared TypeScript, by folder, instead of ../../../../ from deep in web/.
		// Origins are checked in hooks.server.ts (checkFormOrigin): loopback spellings of a loopback
		// origin count as this site, and a refused form says why on the page.
		csrf: { trustedOrigins: ['*'] },
		alias: { $db: 'db', $runbooks: 'runbooks', $workflows: 'workflows', $shared: 'shared', $activities: 'activities' },
		files: {
			assets: 'web/static',
			hooks: { server: 'web/src/hooks.server', client: 'web/src/hooks.client', universal: 'web/src/hooks' },
			lib: 'web/src/lib',
			params: 'web/src/params',
			routes: 'web/src/routes',
			serviceWorker: 'web/src/service-worker',
			appTemplate: 'web/src/app.html',
			errorTemplate: 'web/src/error.html'
		},
		typescript: {
			config: (config) => {
				config.compilerOptions.allowImportingTsExtensions = true;
				return config;
			}
		}
	}
};
