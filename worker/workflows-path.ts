import { fileURLToPath } from 'node:url';

/** The worker's only workflowsPath (STYLE rule 1); kept out of workflows/ so that folder stays free of Node built-ins. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
