import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	server: { fs: { allow: ['db', 'runbooks', 'shared', 'activities', 'workflows'] } },
	build: { sourcemap: true }
});
