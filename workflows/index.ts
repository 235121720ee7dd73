export { runbookRun } from './runbook-run.ts';
export { targetLock } from './target-lock.ts';
export { scheduledRun } from './scheduled-run.ts';
export { feedbackItem } from './feedback-item.ts';
export { drillRun } from './drill-run.ts';
export { trainingAssignment } from './training-assignment.ts';
export { auditChainCheck } from './audit-chain-check.ts';
export { accessReviewCampaign } from './access-review-campaign.ts';
