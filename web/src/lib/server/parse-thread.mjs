/**
 * A thread of the parse pool (parse-pool.ts). The web app is a Vite bundle, but this thread loads
 * the runbook language from its TypeScript source, compiled by tsx (already what runs the worker),
 * so the parser in the thread is the very code the rest of Tend uses.
 */
import { register } from 'tsx/esm/api';

register();
const { runParseTask } = await import('../../../../runbooks/parse-task.ts');

export default runParseTask;
