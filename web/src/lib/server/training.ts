import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '$db/client.ts';
import { trainingAttempts, users } from '$db/schema/index.ts';
import { config } from '$shared/config.ts';
import { markStarted, type TrainingDeps } from '$shared/training-assign.ts';
import { getAssignment, getTrainingModuleById, listAssignments, listTrainingModules, type AssignmentView, type StoredModule } from '$shared/training-store.ts';
import { learnerQuiz, type LearnerQuiz } from '$runbooks/training-quiz.ts';
import { hasRole } from '../roles.ts';
import { rolesOf, type SessionUser } from './auth.ts';
import { getDb } from './db.ts';
import { renderMarkdown } from './markdown.ts';
import { temporalClient } from './temporal.ts';

export async function trainingDeps(): Promise<TrainingDeps> {
	const client = await temporalClient();
	return { db: getDb(), workflows: client.workflow, taskQueue: config().TEND_TASK_QUEUE };
}

/** A module as a learner sees it: its content rendered safely and its quiz without the answers. */
export interface LearnerModule {
	name: string;
	title: string;
	version: number;
	latestVersion: number;
	description: string | null;
	audience: string[];
	estimatedMinutes: number;
	validity: string | null;
	due: string;
	reminders: string[];
	content: string;
	html: string;
	links: Array<{ title: string; url: string }>;
	quiz: LearnerQuiz | null;
	publishedAt: Date;
}

export function learnerModule(module: StoredModule): LearnerModule {
	const { metadata, spec } = module.document;
	return {
		name: module.name,
		title: metadata.title,
		version: module.version,
		latestVersion: module.latestVersion,
		description: metadata.description ?? null,
		audience: spec.audience,
		estimatedMinutes: spec.estimatedMinutes,
		validity: spec.validity ?? null,
		due: spec.due,
		reminders: spec.reminders,
		content: spec.content,
		html: renderMarkdown(spec.content),
		links: spec.links,
		quiz: learnerQuiz(spec.quiz),
		publishedAt: module.publishedAt
	};
}

export interface AssignmentDetail extends AssignmentView {
	moduleContent: LearnerModule;
	attempts: Array<{ number: number; score: number; passed: boolean; submittedAt: Date }>;
	attemptsLeft: number;
}

/**
 * One assignment for its holder or an admin (anyone else learns nothing, not even that it exists).
 * The holder opening it starts the clock of time spent.
 */
export async function assignmentDetail(db: Db, id: string, caller: Pick<SessionUser, 'id' | 'roles'>): Promise<AssignmentDetail | null> {
	const assignment = await getAssignment(db, id);
	if (!assignment || (assignment.userId !== caller.id && !hasRole(caller, 'admin'))) return null;
	const module = await getTrainingModuleById(db, assignment.moduleId, assignment.moduleVersion);
	if (!module) return null;
	if (assignment.userId === caller.id && !assignment.startedAt) await markStarted(db, id, caller.id);
	const attempts = await db
		.select({ number: trainingAttempts.number, score: trainingAttempts.score, passed: trainingAttempts.passed, submittedAt: trainingAttempts.submittedAt })
		.from(trainingAttempts)
		.where(and(eq(trainingAttempts.assignmentId, id), eq(trainingAttempts.cycle, assignment.cycle)))
		.orderBy(asc(trainingAttempts.number));
	const allowed = module.document.spec.quiz?.attempts ?? 1;
	const { userId: _userId, moduleId: _moduleId, ...view } = assignment;
	return {
		...view,
		moduleContent: learnerModule(module),
		attempts,
		attemptsLeft: assignment.status === 'completed' ? 0 : Math.max(0, allowed - attempts.length)
	};
}

export type MatrixCell = 'completed' | 'assigned' | 'overdue' | 'expired' | 'none';

export interface TrainingMatrix {
	modules: Array<{ name: string; title: string }>;
	people: Array<{ username: string; displayName: string; roles: string[]; cells: Record<string, { status: MatrixCell; id?: string; due?: Date; completedAt?: Date | null }> }>;
	/** Per role: of the assignments held by people with that role, how many are completed and current. */
	rates: Array<{ role: string; completed: number; total: number; percent: number }>;
}

/** What a cell shows: a completion past its validity is expired at once, before its workflow has moved it on. */
export function cellStatus(a: Pick<AssignmentView, 'status' | 'expiresAt'>, now: Date): MatrixCell {
	if (a.status === 'completed' && a.expiresAt && a.expiresAt.getTime() <= now.getTime()) return 'expired';
	return a.status;
}

/** The admin's matrix: every active person × every module, and completion rates per role. */
export async function trainingMatrix(db: Db, now = new Date()): Promise<TrainingMatrix> {
	const [modules, people, assignments] = await Promise.all([
		listTrainingModules(db),
		db.select({ id: users.id, username: users.username, displayName: users.displayName, roles: rolesOf(users.id) }).from(users).where(isNull(users.disabledAt)).orderBy(asc(users.username)),
		listAssignments(db)
	]);
	const byPerson = new Map<string, AssignmentView[]>();
	for (const a of assignments) byPerson.set(a.user, [...(byPerson.get(a.user) ?? []), a]);
	const rates = new Map<string, { completed: number; total: number }>();
	const rows = people.map((person) => {
		const cells: TrainingMatrix['people'][number]['cells'] = {};
		for (const a of byPerson.get(person.username) ?? []) {
			const status = cellStatus(a, now);
			cells[a.module] = { status, id: a.id, due: a.due, completedAt: a.completedAt };
			for (const role of person.roles) {
				const rate = rates.get(role) ?? { completed: 0, total: 0 };
				rate.total++;
				if (status === 'completed') rate.completed++;
				rates.set(role, rate);
			}
		}
		return { username: person.username, displayName: person.displayName, roles: person.roles, cells };
	});
	return {
		modules: modules.map((m) => ({ name: m.name, title: m.title })),
		people: rows,
		rates: [...rates]
			.map(([role, r]) => ({ role, ...r, percent: r.total ? Math.round((100 * r.completed) / r.total) : 0 }))
			.sort((a, b) => a.role.localeCompare(b.role))
	};
}

/** The matrix as CSV (RFC 4180): one row per person, one column per module; a formula-looking cell is quoted with a leading apostrophe. */
export function matrixCsv(matrix: TrainingMatrix): string {
	const cell = (value: string) => {
		const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
		return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
	};
	const lines = [['username', 'display name', 'roles', ...matrix.modules.map((m) => m.name)].map(cell).join(',')];
	for (const p of matrix.people) lines.push([p.username, p.displayName, p.roles.join(' '), ...matrix.modules.map((m) => p.cells[m.name]?.status ?? 'none')].map(cell).join(','));
	return `${lines.join('\r\n')}\r\n`;
}
