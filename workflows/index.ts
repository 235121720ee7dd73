export { runbookRun } from './runbook-run.ts';
