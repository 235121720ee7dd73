import { WorkflowExecutionAlreadyStartedError, type WorkflowClient } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { ROLES, trainingAssignments, trainingAttempts, trainingEvents, userRoles, users, type Role } from '../db/schema/index.ts';
import { gradeModule, type QuizAnswers, type QuizGrade } from '../runbooks/training-quiz.ts';
import { trainingCompletedSignal, trainingWorkflowId, type TrainingAssignmentInput } from '../workflows/definitions.ts';
import type { trainingAssignment } from '../workflows/training-assignment.ts';
import { appendAudit } from './audit.ts';
import { cyclePlan, dueDate, expiryOf, getTrainingModule, getTrainingModuleById } from './training-store.ts';

export interface TrainingDeps {
	db: Db;
	workflows: WorkflowClient;
	taskQueue: string;
}

/** A request the caller must fix; `path` names the field. */
export class TrainingRequestError extends Error {
	constructor(
		readonly path: string,
		message: string,
		readonly status: 404 | 409 | 422 = 422
	) {
		super(message);
	}
}

export interface AssignRequest {
	module: string;
	/** `user:NAME`, `role:NAME`, or `audience` (the module's own audience). */
	assignees: string[];
	/** An ISO instant, an ISO duration from now (`P7D`), or the module's `due`. */
	due?: string;
	by: string;
	/** Why: `user:x` / `role:x` as asked, or `run:ID/STEP` for a runbook step. */
	source?: string;
}

/** Who the assignees name, each with the principal that named them first. */
async function resolveAssignees(db: Db, assignees: string[], audience: string[]): Promise<Map<string, string>> {
	const people = new Map<string, string>();
	const expanded = assignees.flatMap((a, index) => (a === 'audience' ? audience.map((p) => ({ principal: p, index })) : [{ principal: a, index }]));
	for (const { principal, index } of expanded) {
		const [kind, name] = [principal.slice(0, principal.indexOf(':')), principal.slice(principal.indexOf(':') + 1)];
		if (kind === 'user') {
			const [user] = await db.select({ id: users.id }).from(users).where(and(eq(users.username, name), isNull(users.disabledAt)));
			if (!user) throw new TrainingRequestError(`assignees[${index}]`, `no active user "${name}"`);
			if (!people.has(user.id)) people.set(user.id, principal);
		} else if (kind === 'role') {
			if (!(ROLES as readonly string[]).includes(name)) throw new TrainingRequestError(`assignees[${index}]`, `no role "${name}" (roles: ${ROLES.join(', ')})`);
			const members = await db
				.select({ id: users.id })
				.from(users)
				.innerJoin(userRoles, eq(userRoles.userId, users.id))
				.where(and(eq(userRoles.role, name as Role), isNull(users.disabledAt)));
			for (const m of members) if (!people.has(m.id)) people.set(m.id, principal);
		} else {
			throw new TrainingRequestError(`assignees[${index}]`, 'must be user:NAME, role:NAME or audience');
		}
	}
	return people;
}

/**
 * Assigns a module: one row per person who has no open assignment of it (a unique index makes a
 * second assignment, or a concurrent one, add nothing), then one workflow per assignment. Starting
 * the workflows of the rows already there too mends an assignment whose start failed before;
 * Temporal refuses a second start of the same id, so nothing is doubled.
 */
export async function assignTraining(deps: TrainingDeps, request: AssignRequest, now = new Date()): Promise<{ ids: string[]; created: number }> {
	const module = await getTrainingModule(deps.db, request.module);
	if (!module) throw new TrainingRequestError('module', `no training module "${request.module}"`, 404);
	const due = dueDate(module.document, request.due, now);
	if (Number.isNaN(due.getTime())) throw new TrainingRequestError('due', 'must be an ISO 8601 instant or duration (such as 2026-12-31T18:00:00Z or P7D)');
	if (due.getTime() <= now.getTime()) throw new TrainingRequestError('due', 'must be in the future');
	const people = await resolveAssignees(deps.db, request.assignees, module.document.spec.audience);
	if (people.size === 0) return { ids: [], created: 0 };

	const rows = [...people].map(([userId, principal]) => ({
		moduleId: module.id,
		moduleVersion: module.version,
		userId,
		dueAt: due,
		source: request.source ?? principal,
		assignedBy: request.by
	}));
	let created = 0;
	const ids: string[] = [];
	// In chunks: a role of ten thousand people is one statement per thousand, not one per person.
	for (let i = 0; i < rows.length; i += 1000) {
		const chunk = rows.slice(i, i + 1000);
		const inserted = await deps.db
			.insert(trainingAssignments)
			.values(chunk)
			.onConflictDoNothing({ target: [trainingAssignments.moduleId, trainingAssignments.userId], where: sql`cancelled_at is null` })
			.returning({ id: trainingAssignments.id });
		created += inserted.length;
		const open = await deps.db
			.select({ id: trainingAssignments.id })
			.from(trainingAssignments)
			.where(and(eq(trainingAssignments.moduleId, module.id), inArray(trainingAssignments.userId, chunk.map((r) => r.userId)), isNull(trainingAssignments.cancelledAt)));
		ids.push(...open.map((r) => r.id));
	}
	if (created > 0) {
		await appendAudit(deps.db, { actor: request.by, action: 'training.assign', subject: `training:${module.name}`, details: { assignees: request.assignees, due: due.toISOString(), created, source: request.source ?? null } });
	}
	await startAssignmentWorkflows(deps, ids, now);
	return { ids, created };
}

/** Starts the workflow of each assignment that has none yet, a few at a time. */
async function startAssignmentWorkflows(deps: TrainingDeps, ids: string[], now: Date): Promise<void> {
	const rows = ids.length
		? await deps.db
				.select({ id: trainingAssignments.id, moduleId: trainingAssignments.moduleId, moduleVersion: trainingAssignments.moduleVersion, cycle: trainingAssignments.cycle, dueAt: trainingAssignments.dueAt })
				.from(trainingAssignments)
				.where(and(inArray(trainingAssignments.id, ids), ne(trainingAssignments.status, 'completed')))
		: [];
	const documents = new Map<string, Awaited<ReturnType<typeof getTrainingModuleById>>>();
	for (let i = 0; i < rows.length; i += 50) {
		await Promise.all(
			rows.slice(i, i + 50).map(async (row) => {
				const key = `${row.moduleId}@${row.moduleVersion}`;
				if (!documents.has(key)) documents.set(key, await getTrainingModuleById(deps.db, row.moduleId, row.moduleVersion));
				const module = documents.get(key);
				if (!module) return;
				const input: TrainingAssignmentInput = { assignmentId: row.id, cycle: row.cycle, ...cyclePlan(module.document, row.dueAt, now) };
				try {
					await deps.workflows.start<typeof trainingAssignment>('trainingAssignment', {
						workflowId: trainingWorkflowId(row.id),
						taskQueue: deps.taskQueue,
						args: [input],
						workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE
					});
				} catch (error) {
					if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
				}
			})
		);
	}
}

/** Un-assigns: the row is closed first (so the workflow's next step sees it), then the workflow is cancelled, which drops its timers. */
export async function unassignTraining(deps: TrainingDeps, id: string, by: string): Promise<boolean> {
	const [closed] = await deps.db
		.update(trainingAssignments)
		.set({ cancelledAt: new Date(), updatedAt: new Date() })
		.where(and(eq(trainingAssignments.id, id), isNull(trainingAssignments.cancelledAt)))
		.returning({ id: trainingAssignments.id, cycle: trainingAssignments.cycle });
	if (!closed) return false;
	await deps.db.insert(trainingEvents).values({ assignmentId: id, key: `${id}:unassigned`, kind: 'unassigned', cycle: closed.cycle, details: { by } }).onConflictDoNothing();
	await appendAudit(deps.db, { actor: by, action: 'training.unassign', subject: `training-assignment:${id}`, details: {} });
	try {
		await deps.workflows.getHandle(trainingWorkflowId(id)).cancel();
	} catch {
		// Already ended, or never started: nothing of it is left to stop, and its next step would see the row closed anyway.
	}
	return true;
}

/** The person opened the module: time spent counts from the first opening of the cycle. */
export async function markStarted(db: Db, id: string, userId: string): Promise<void> {
	await db
		.update(trainingAssignments)
		.set({ startedAt: new Date() })
		.where(and(eq(trainingAssignments.id, id), eq(trainingAssignments.userId, userId), isNull(trainingAssignments.startedAt), isNull(trainingAssignments.cancelledAt)));
}

export interface AttemptResult extends QuizGrade {
	attempt: number;
	attemptsLeft: number;
}

/**
 * Grades an attempt on the server and records it; a pass completes the cycle. The row is locked,
 * so two submissions at once count as two attempts, in turn. The workflow is told afterwards; if
 * that signal is lost it finds the completion at its next reminder or check.
 */
export async function submitAttempt(deps: TrainingDeps, id: string, caller: { id: string; username: string }, answers: QuizAnswers, now = new Date()): Promise<AttemptResult> {
	const outcome = await deps.db.transaction(async (tx) => {
		const [row] = await tx
			.select()
			.from(trainingAssignments)
			.where(and(eq(trainingAssignments.id, id), isNull(trainingAssignments.cancelledAt)))
			.for('update');
		if (!row || row.userId !== caller.id) throw new TrainingRequestError('id', 'no such assignment of yours', 404);
		if (row.status === 'completed') throw new TrainingRequestError('id', 'this assignment is already completed', 409);
		const module = await getTrainingModuleById(tx, row.moduleId, row.moduleVersion);
		if (!module) throw new TrainingRequestError('id', 'the module of this assignment no longer exists', 404);
		const allowed = module.document.spec.quiz?.attempts ?? 1;
		const [{ count }] = await tx
			.select({ count: sql<number>`count(*)::int` })
			.from(trainingAttempts)
			.where(and(eq(trainingAttempts.assignmentId, id), eq(trainingAttempts.cycle, row.cycle)));
		if (count >= allowed) throw new TrainingRequestError('answers', `no attempts left: ${allowed} allowed, all used; ask an admin to assign the module again`, 409);
		const grade = gradeModule(module.document, answers);
		const attempt = count + 1;
		await tx.insert(trainingAttempts).values({ assignmentId: id, cycle: row.cycle, number: attempt, moduleVersion: row.moduleVersion, answers, score: grade.score, passed: grade.passed, submittedAt: now });
		if (grade.passed) {
			const startedAt = row.startedAt ?? row.createdAt;
			const timeSpentSeconds = Math.max(0, Math.round((now.getTime() - startedAt.getTime()) / 1000));
			const expiresAt = expiryOf(module.document, now);
			await tx.update(trainingAssignments).set({ status: 'completed', completedAt: now, score: grade.score, timeSpentSeconds, expiresAt, updatedAt: now }).where(eq(trainingAssignments.id, id));
			await tx.insert(trainingEvents).values({ assignmentId: id, key: `${id}:${row.cycle}:completed`, kind: 'completed', cycle: row.cycle, details: { score: grade.score, attempt, timeSpentSeconds } }).onConflictDoNothing();
			await appendAudit(tx, { actor: caller.username, action: 'training.complete', subject: `training:${module.name}`, details: { assignment: id, cycle: row.cycle, score: grade.score, attempt } });
		}
		return { ...grade, attempt, attemptsLeft: grade.passed ? 0 : allowed - attempt };
	});
	if (outcome.passed) {
		await deps.workflows
			.getHandle(trainingWorkflowId(id))
			.signal(trainingCompletedSignal)
			.catch(() => undefined);
	}
	return outcome;
}
