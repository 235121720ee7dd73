import {
	ApplicationFailure,
	CancellationScope,
	condition,
	executeChild,
	isCancellation,
	ParentClosePolicy,
	proxyActivities,
	setHandler,
	sleep
} from '@temporalio/workflow';
import type { DrillActivities, VerifyResult } from '../activities/drills.ts';
import { parseDuration } from '../runbooks/duration.ts';
import { responderLevels } from '../runbooks/drill-schema.ts';
import { drillAct, type RunAct } from './acts.ts';
import { emergencyStopSignal, type Actor } from './definitions.ts';
import {
	drillAbortUpdate,
	drillAckUpdate,
	drillRecoverUpdate,
	drillStateQuery,
	isDrillResponder,
	type DrillRunInput,
	type DrillRunResult,
	type DrillStatus,
	type TableState
} from './drill-definitions.ts';
import type { runbookRun } from './runbook-run.ts';
import { describeFailure } from './run/failures.ts';

// Bookkeeping and pages: quick, retried through an outage of Tend's database.
const quick = proxyActivities<DrillActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['NotScratch', 'InvalidFault', 'ForgedAct', 'DrillRunNotFound', 'RunbookNotFound', 'InvalidRunInputs'] } });
// Copying, checksumming and dropping a database: long, heartbeating, a few attempts.
const heavy = proxyActivities<DrillActivities>({
	startToCloseTimeout: '2h',
	heartbeatTimeout: '30s',
	retry: { initialInterval: '5s', maximumAttempts: 3, nonRetryableErrorTypes: ['NotScratch', 'InvalidFault', 'BackupChecksumMismatch', 'DrillRunNotFound'] }
});

/**
 * A drill run (DESIGN §5, issue 13): scratch copy → per-table checksums → the fault → the clock
 * starts, responders are paged and escalated on a durable timer → acknowledgement → the real
 * recovery runbook as a child run against the scratch copy → verification stops the clock →
 * scores. An abort (an admin, the emergency stop, the maximum duration) stops it at any point, and
 * the scratch copy is torn down whatever happened.
 */
export async function drillRun(input: DrillRunInput): Promise<DrillRunResult> {
	return new DrillRunner(input).execute();
}

class DrillRunner {
	private status: DrillStatus = 'preparing';
	private acked: { at: number; by: Actor } | null = null;
	private ackPending = false;
	private recoverBy: Actor | null = null;
	private recoveryRunId: string | null = null;
	private abortReason: string | null = null;
	private readonly work = new CancellationScope();
	private readonly spec: DrillRunInput['document']['spec'];
	private readonly principals: string[];

	constructor(private readonly input: DrillRunInput) {
		this.spec = input.document.spec;
		this.principals = responderLevels(input.document).flat();
	}

	async execute(): Promise<DrillRunResult> {
		this.handleMessages();
		// The maximum duration runs outside the work's scope: it is what stops the work.
		const limit = CancellationScope.cancellable(async () => {
			await sleep(parseDuration(this.spec.maxDuration));
			this.abort(`the drill reached its maximum duration (${this.spec.maxDuration})`);
		});
		limit.catch(() => {});
		let result: DrillRunResult;
		try {
			result = await this.work.run(() => this.drill());
		} catch (error) {
			if (this.abortReason !== null && (isCancellation(error) || this.work.consideredCancelled)) result = { status: 'aborted', finding: this.abortReason };
			else result = { status: 'failed', finding: describeFailure(error) };
		}
		await CancellationScope.nonCancellable(async () => {
			if (result.status !== 'passed' && this.recoveryRunId) await quick['drills.cancelRecovery']({ recoveryRunId: this.recoveryRunId });
			await quick['drills.record']({ drillRunId: this.input.drillRunId, status: result.status, set: { finishedAt: new Date().toISOString(), finding: result.finding }, event: { kind: `drill.${result.status}`, details: result.finding ? { finding: result.finding } : {} } });
			if (this.spec.keepScratch && result.status !== 'aborted') await sleep(parseDuration(this.spec.keepScratch));
			await heavy['drills.teardown']({ drillRunId: this.input.drillRunId, database: this.spec.database });
		});
		return result;
	}

	private handleMessages(): void {
		setHandler(drillStateQuery, () => ({ status: this.status, acknowledged: this.acked !== null, recoveryRunId: this.recoveryRunId }));
		setHandler(
			drillAckUpdate,
			async (request) => {
				this.ackPending = true;
				try {
					const at = Date.now();
					await this.recordAct(drillAct('drill-ack', this.input.drillRunId, request.actor), request.proof, { acknowledgedAt: new Date(at).toISOString(), acknowledgedBy: request.actor.username }, 'drill.acknowledged');
					this.acked = { at, by: request.actor };
					return { acknowledgedAt: new Date(at).toISOString() };
				} finally {
					this.ackPending = false;
				}
			},
			{
				validator: (request) => {
					if (this.acked || this.ackPending) throw ApplicationFailure.create({ type: 'AlreadyDecided', message: 'the drill is already acknowledged' });
					if (this.status !== 'waiting_ack') throw ApplicationFailure.create({ type: 'NotWaiting', message: `the drill is ${this.status}, not waiting for an acknowledgement` });
					if (!isDrillResponder(request.actor, this.principals)) throw ApplicationFailure.create({ type: 'NotEligible', message: `${request.actor.username} is not a responder of this drill` });
				}
			}
		);
		setHandler(
			drillRecoverUpdate,
			async (request) => {
				await this.recordAct(drillAct('drill-recover', this.input.drillRunId, request.actor), request.proof, {}, 'drill.recovery_requested');
				this.recoverBy = request.actor;
				await condition(() => this.recoveryRunId !== null || this.abortReason !== null);
				return { recoveryRunId: this.recoveryRunId ?? '' };
			},
			{
				validator: (request) => {
					if (this.spec.recovery.start !== 'responder') throw ApplicationFailure.create({ type: 'NotWaiting', message: 'this drill starts its recovery itself' });
					if (!this.acked || this.recoverBy || this.recoveryRunId || this.abortReason !== null) throw ApplicationFailure.create({ type: 'NotWaiting', message: 'the recovery cannot be started now' });
					if (!isDrillResponder(request.actor, this.principals)) throw ApplicationFailure.create({ type: 'NotEligible', message: `${request.actor.username} is not a responder of this drill` });
				}
			}
		);
		setHandler(
			drillAbortUpdate,
			async (request) => {
				await this.recordAct(drillAct('drill-abort', this.input.drillRunId, request.actor, { reason: request.reason }), request.proof, {}, 'drill.abort_requested', { reason: request.reason });
				this.abort(`aborted by ${request.actor.username}: ${request.reason}`);
			},
			{
				validator: (request) => {
					if (!request.actor.roles.includes('admin')) throw ApplicationFailure.create({ type: 'NotEligible', message: 'only an admin may abort a drill' });
					if (this.abortReason !== null || ['passed', 'failed', 'aborted'].includes(this.status)) throw ApplicationFailure.create({ type: 'NotWaiting', message: 'the drill is already ending' });
				}
			}
		);
		setHandler(emergencyStopSignal, (notice) => {
			if (notice.active) this.abort(`emergency stop by ${notice.by}: ${notice.reason}`);
		});
	}

	private abort(reason: string): void {
		if (this.abortReason !== null || ['passed', 'failed', 'aborted'].includes(this.status)) return;
		this.abortReason = reason;
		this.work.cancel();
	}

	/** Not cancellable: an act that was accepted is recorded even while the drill is being stopped. */
	private async recordAct(act: RunAct, proof: string | undefined, set: Record<string, string>, kind: string, details: Record<string, unknown> = {}): Promise<void> {
		await CancellationScope.nonCancellable(() => quick['drills.recordAct']({ act, ...(proof !== undefined ? { proof } : {}), set, event: { kind, details } }));
	}

	private async setStatus(status: DrillStatus, event?: { kind: string; details?: Record<string, unknown> }): Promise<void> {
		this.status = status;
		await quick['drills.record']({ drillRunId: this.input.drillRunId, status, ...(event ? { event } : {}) });
	}

	private async drill(): Promise<DrillRunResult> {
		const { drillRunId } = this.input;
		const { spec } = this;
		await quick['drills.record']({ drillRunId, event: { kind: 'drill.started', details: { drill: this.input.drill.name, version: this.input.drill.version, by: this.input.initiator.username } } });
		const scratch = await heavy['drills.prepareScratch']({ drillRunId, database: spec.database });
		const baseline: Record<string, TableState> = await heavy['drills.snapshot']({ drillRunId, database: spec.database });
		const fault = await quick['drills.injectFault']({ drillRunId, target: scratch.scratchTarget, database: spec.database, fault: spec.scenario.fault, with: spec.scenario.with });
		// The clock starts with the fault, on the workflow's clock (replayed identically).
		const faultAt = Date.now();
		this.status = 'waiting_ack';
		await this.page(fault.summary);
		const ackMs = this.acked!.at - faultAt;

		let recoverer = this.acked!.by;
		if (spec.recovery.start === 'responder') {
			await this.setStatus('recovering', { kind: 'drill.waiting_recovery' });
			await condition(() => this.recoverBy !== null);
			recoverer = this.recoverBy!;
		}
		const child = await quick['drills.prepareRecovery']({ drillRunId, runbook: spec.recovery.runbook, inputs: spec.recovery.inputs, initiator: { id: recoverer.id, username: recoverer.username } });
		this.status = 'recovering';
		this.recoveryRunId = child.input.runId;
		let recoveryError: string | null = null;
		try {
			const outcome = await executeChild<typeof runbookRun>('runbookRun', { workflowId: child.workflowId, args: [child.input], parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL });
			if (outcome.status !== 'succeeded') recoveryError = `the recovery run ended ${outcome.status}`;
		} catch (error) {
			if (isCancellation(error)) throw error;
			recoveryError = `the recovery run failed: ${describeFailure(error)}`;
		}
		await this.setStatus('verifying', { kind: 'drill.verifying' });
		const verified: VerifyResult = await heavy['drills.verify']({ drillRunId, database: spec.database, baseline, ignoreTables: spec.verify.ignoreTables, rowsLostAllowed: spec.objectives.rowsLost });
		// Verification stops the clock.
		const recoveredAt = Date.now();
		const rtoMs = recoveredAt - faultAt;
		const scores = {
			ackMs,
			rtoMs,
			rpoMs: verified.rpoMs,
			rowsLost: verified.rowsLost,
			ackMet: ackMs <= parseDuration(spec.objectives.acknowledge),
			rtoMet: rtoMs <= parseDuration(spec.objectives.rto),
			rpoMet: verified.rpoMs === null ? null : verified.rpoMs <= parseDuration(spec.objectives.rpo)
		};
		const finding = recoveryError ?? verified.finding;
		await quick['drills.record']({
			drillRunId,
			set: { recoveredAt: new Date(recoveredAt).toISOString(), scores },
			event: { kind: 'drill.verified', details: { ok: finding === null, rowsLost: verified.rowsLost, changed: verified.changed } }
		});
		this.status = finding === null ? 'passed' : 'failed';
		return { status: this.status, finding };
	}

	/** Pages the first level, then the next each time `escalateAfter` passes with nobody on it; the last level is reminded no further. */
	private async page(summary: string): Promise<void> {
		const levels = responderLevels(this.input.document);
		const after = parseDuration(this.spec.escalateAfter);
		const title = `${this.input.document.metadata.title} (${summary})`;
		for (let level = 0; level < levels.length && !this.acked; level++) {
			await quick['drills.page']({ drillRunId: this.input.drillRunId, level, to: levels[level], title });
			if (level === levels.length - 1) break;
			if (await condition(() => this.acked !== null, after)) return;
		}
		await condition(() => this.acked !== null);
	}
}
