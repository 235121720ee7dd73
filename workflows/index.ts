export { runbookRun } from './runbook-run.ts';
export { targetLock } from './target-lock.ts';
export { scheduledRun } from './scheduled-run.ts';
export { trainingAssignment } from './training-assignment.ts';
export { auditChainCheck } from './audit-chain-check.ts';
