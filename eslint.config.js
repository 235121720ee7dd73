import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
	{ ignores: ['build/', '.svelte-kit/', 'node_modules/', 'db/migrations/', '.tend/', 'test-results/'] },
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{ languageOptions: { globals: { ...globals.browser, ...globals.node } } },
	{
		files: ['**/*.ts', '**/*.svelte', '**/*.svelte.ts'],
		languageOptions: { parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } },
		rules: {
			// An unawaited promise in a workflow wedges it; anywhere else it hides a failure (STYLE rule 9).
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
			// Tend is served at the root of its origin (no kit.paths.base), so plain hrefs are correct and clearer than resolve().
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	{
		// Workflow code must stay deterministic: no Node built-ins, drivers or activity code.
		files: ['workflows/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{ group: ['node:*', 'fs', 'path', 'crypto', 'child_process', 'http', 'https', 'net', 'os'], message: 'Workflow code must be deterministic: do this in an activity.' },
						{ group: ['pg', 'drizzle-orm', 'drizzle-orm/*', 'nodemailer'], message: 'Drivers belong in activities/.' },
						{ group: ['../activities/*', '../../activities/*'], allowTypeImports: true, message: 'Workflows import activities as types only.' }
					]
				}
			]
		}
	}
);
