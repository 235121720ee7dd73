import approvalBench from './approval.bench.ts';
import auditBench from './audit.bench.ts';
import backupBench from './backup.bench.ts';
import builderBench from './builder.bench.ts';
import dedupeBench from './dedupe.bench.ts';
import drillBench from './drill.bench.ts';
import engineBench from './engine.bench.ts';
import parkedBench from './parked.bench.ts';
import purgeBench from './purge.bench.ts';
import runsListBench from './runs-list.bench.ts';
import throughputBench from './throughput.bench.ts';
import verifyBench from './verify.bench.ts';
import workflowBench from './workflow.bench.ts';

/**
 * `npm run bench`: each benchmark measures its own baseline in the same run and prints a ratio,
 * because absolute times on a shared machine mean little. Pass names to run only some.
 */
const benches: Record<string, () => Promise<void>> = { backup: () => backupBench(), verify: () => verifyBench(), workflow: () => workflowBench(), approval: () => approvalBench(), parked: () => parkedBench(), purge: () => purgeBench(), dedupe: () => dedupeBench(), 'runs-list': () => runsListBench(), builder: () => builderBench(), audit: () => auditBench(), engine: () => engineBench(), throughput: () => throughputBench(), drill: () => drillBench() };

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
	if (wanted.length && !wanted.includes(name)) continue;
	await run();
}
