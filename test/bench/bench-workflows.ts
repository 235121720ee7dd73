/** The benchmark worker's workflowsPath: Tend's workflows and the hand-written baseline in one bundle. */
export * from '../../workflows/index.ts';
export { baselineApproval, baselineParked, baselineSequence } from './baseline-workflows.ts';
