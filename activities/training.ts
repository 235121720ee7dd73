import { and, eq, inArray, isNull } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { notifications, trainingAssignments, trainingEvents, trainingModules, users } from '../db/schema/index.ts';
import { cyclePlan, dueDate, getTrainingModule, getTrainingModuleById } from '../shared/training-store.ts';
import type { TrainingState } from '../workflows/definitions.ts';
import type { ActivityDeps } from './step-context.ts';

export interface TrainingRef {
	assignmentId: string;
	cycle: number;
}

export interface TrainingNotice extends TrainingRef {
	kind: 'assigned' | 'reminder' | 'overdue';
	/** Which reminder of the cycle (1, 2, …). */
	number?: number;
}

type Row = typeof trainingAssignments.$inferSelect;

function stateOf(row: Row | undefined, cycle: number): TrainingState {
	if (!row || row.cancelledAt || row.cycle !== cycle) return 'cancelled';
	return row.status === 'completed' ? 'completed' : 'open';
}

const formatDate = (at: Date) => at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/**
 * The side effects of a training assignment's workflow. Every one reads the assignment first and
 * acts only while it is open in the workflow's cycle; every message is keyed by assignment, cycle
 * and event (training_events, notifications), so a retried activity — or a worker killed between
 * sending and recording — sends nothing twice (a resent mail keeps its Message-ID).
 */
export function createTrainingActivities(deps: ActivityDeps) {
	const { db, config } = deps;
	const link = (id: string) => (config.TEND_PUBLIC_URL ? new URL(`/training/${id}`, config.TEND_PUBLIC_URL).href : `/training/${id}`);

	async function load(id: string): Promise<Row | undefined> {
		const [row] = await db.select().from(trainingAssignments).where(eq(trainingAssignments.id, id));
		return row;
	}

	/** One message to one person, once per key: in-app and by email. */
	async function deliver(row: Row, key: string, kind: typeof trainingEvents.$inferInsert.kind, to: { id: string; email: string }, title: string, body: string, details: Record<string, unknown>) {
		const [done] = await db.select({ id: trainingEvents.id }).from(trainingEvents).where(eq(trainingEvents.key, key));
		if (done) return;
		const transport = nodemailer.createTransport(config.SMTP_URL);
		try {
			await transport.sendMail({ from: config.MAIL_FROM, to: to.email, subject: title, text: `${body}\n\n${link(row.id)}\n`, messageId: `<training.${key.replaceAll(':', '.')}@tend>` });
		} finally {
			transport.close();
		}
		await db.transaction(async (tx) => {
			await tx.insert(notifications).values({ userId: to.id, key: `training:${key}`, title, body, link: `/training/${row.id}` }).onConflictDoNothing({ target: notifications.key });
			await tx.insert(trainingEvents).values({ assignmentId: row.id, key, kind, cycle: row.cycle, details: { ...details, to: to.email } }).onConflictDoNothing();
		});
	}

	return {
		/** Where the assignment stands: open, completed in this cycle, or gone (un-assigned, deleted, or a later cycle's). */
		async 'training.state'(ref: TrainingRef): Promise<TrainingState> {
			return stateOf(await load(ref.assignmentId), ref.cycle);
		},

		/** The notice, a reminder, or the overdue notice with its escalation to the person's manager. */
		async 'training.notice'(notice: TrainingNotice): Promise<TrainingState> {
			let row = await load(notice.assignmentId);
			const state = stateOf(row, notice.cycle);
			if (state !== 'open' || !row) return state;
			if (notice.kind === 'overdue') {
				await db
					.update(trainingAssignments)
					.set({ status: 'overdue', updatedAt: new Date() })
					.where(and(eq(trainingAssignments.id, row.id), eq(trainingAssignments.cycle, notice.cycle), inArray(trainingAssignments.status, ['assigned', 'expired'])));
				row = (await load(row.id)) ?? row;
			}
			const [person] = await db.select({ id: users.id, email: users.email, displayName: users.displayName, managerId: users.managerId }).from(users).where(eq(users.id, row.userId));
			const [module] = await db.select({ title: trainingModules.title }).from(trainingModules).where(eq(trainingModules.id, row.moduleId));
			if (!person || !module) return 'cancelled';
			const due = formatDate(row.dueAt);
			const base = `${row.id}:${notice.cycle}`;
			if (notice.kind === 'assigned') {
				const recert = notice.cycle > 1;
				const title = recert ? `Time to renew your training: ${module.title}` : `Training assigned: ${module.title}`;
				const body = recert ? `Your completion of "${module.title}" has expired. Please take it again by ${due}.` : `You have been assigned "${module.title}". Please complete it by ${due}.`;
				await deliver(row, `${base}:assigned`, 'assigned', person, title, body, { due: row.dueAt.toISOString() });
			} else if (notice.kind === 'reminder') {
				await deliver(row, `${base}:reminder:${notice.number ?? 1}`, 'reminder', person, `Reminder: ${module.title} is due ${due}`, `"${module.title}" is due ${due} and is not completed yet.`, { number: notice.number ?? 1 });
			} else {
				await deliver(row, `${base}:overdue`, 'overdue', person, `Overdue: ${module.title}`, `"${module.title}" was due ${due}. Your manager has been told.`, { due: row.dueAt.toISOString() });
				const [manager] = person.managerId
					? await db.select({ id: users.id, email: users.email }).from(users).where(and(eq(users.id, person.managerId), isNull(users.disabledAt)))
					: [];
				if (manager) {
					await deliver(row, `${base}:escalation`, 'escalation', manager, `Overdue training: ${person.displayName} — ${module.title}`, `${person.displayName} has not completed "${module.title}", due ${due}.`, { user: person.id });
				}
			}
			return 'open';
		},

		/** When the completion of this cycle stops being current (epoch ms), or null for ever. */
		async 'training.completion'(ref: TrainingRef): Promise<{ expiresAt: number | null }> {
			const row = await load(ref.assignmentId);
			return { expiresAt: row?.expiresAt ? row.expiresAt.getTime() : null };
		},

		/**
		 * The completion ran out: the assignment expires and its next cycle starts on the module's
		 * latest version, due after the module's `due`. A retry finds the cycle already moved on and
		 * answers the same plan.
		 */
		async 'training.recertify'(ref: TrainingRef): Promise<{ state: 'open' | 'cancelled'; cycle: number; dueAt: number; reminderAt: number[] }> {
			const now = new Date();
			let row = await load(ref.assignmentId);
			if (!row || row.cancelledAt) return { state: 'cancelled', cycle: ref.cycle, dueAt: 0, reminderAt: [] };
			const [name] = await db.select({ name: trainingModules.name }).from(trainingModules).where(eq(trainingModules.id, row.moduleId));
			const latest = name ? await getTrainingModule(db, name.name) : null;
			if (!latest) return { state: 'cancelled', cycle: ref.cycle, dueAt: 0, reminderAt: [] };
			if (row.cycle === ref.cycle) {
				const due = dueDate(latest.document, undefined, now);
				await db.transaction(async (tx) => {
					await tx
						.update(trainingAssignments)
						.set({ status: 'expired', cycle: ref.cycle + 1, moduleVersion: latest.version, dueAt: due, startedAt: null, updatedAt: now })
						.where(and(eq(trainingAssignments.id, ref.assignmentId), eq(trainingAssignments.cycle, ref.cycle)));
					await tx.insert(trainingEvents).values({ assignmentId: ref.assignmentId, key: `${ref.assignmentId}:${ref.cycle}:expired`, kind: 'expired', cycle: ref.cycle, details: {} }).onConflictDoNothing();
				});
				row = (await load(ref.assignmentId)) ?? row;
			}
			const module = (await getTrainingModuleById(db, row.moduleId, row.moduleVersion)) ?? latest;
			return { state: 'open', cycle: row.cycle, ...cyclePlan(module.document, row.dueAt, now) };
		}
	};
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
