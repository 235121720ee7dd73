import { Context } from '@temporalio/activity';
import { and, eq, isNull } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { userRoles, users } from '../db/schema/index.ts';
import { appendAudit, verifyAuditChain, type AuditVerification } from '../shared/audit.ts';
import type { ActivityDeps } from './step-context.ts';

export function createAuditCheckActivities(deps: ActivityDeps) {
	return {
		/**
		 * Seals what has committed and walks the chain; the verdict is itself an audit entry, which
		 * the Audit log page shows as the daily check's last result.
		 */
		async 'audit.verifyChain'(): Promise<AuditVerification> {
			const verdict = await verifyAuditChain(deps.db, { seal: true });
			await deps.db.transaction((tx) => appendAudit(tx, { actor: 'system', action: 'audit.chain-checked', subject: 'audit:chain', details: { ...verdict } }));
			Context.current().log.info('audit chain checked', { ...verdict });
			return verdict;
		},

		/**
		 * Tells every enabled admin that the chain is broken. The Message-ID derives from the check's
		 * workflow id, so a retried send is the same message to mail clients.
		 */
		async 'audit.alertAdmins'(verdict: AuditVerification): Promise<{ delivered: number }> {
			const admins = await deps.db
				.select({ email: users.email })
				.from(users)
				.innerJoin(userRoles, eq(userRoles.userId, users.id))
				.where(and(eq(userRoles.role, 'admin'), isNull(users.disabledAt)));
			const to = [...new Set(admins.map((a) => a.email).filter(Boolean))].sort();
			if (!to.length) return { delivered: 0 };
			const base = deps.config.TEND_PUBLIC_URL;
			const link = base ? `\n\n${new URL('/admin/audit', base).href}` : '';
			const check = Context.current().info.workflowExecution?.workflowId ?? 'audit-chain-check';
			const transport = nodemailer.createTransport(deps.config.SMTP_URL);
			try {
				await transport.sendMail({
					from: deps.config.MAIL_FROM,
					to,
					subject: `Tend: the audit log's hash chain is broken at entry ${verdict.firstBadId}`,
					text:
						`The daily check walked the audit log's hash chain and entry ${verdict.firstBadId} does not follow from the one before it ` +
						`(${verdict.entries} entries checked). An entry was edited, deleted or reordered outside Tend.\n\n` +
						`Keep a copy of the database as it is now, export the log (Admin → Audit log → Export signed) and compare it with earlier exports.${link}`,
					messageId: `<${check}.audit-alert@tend>`
				});
			} finally {
				transport.close();
			}
			return { delivered: to.length };
		}
	};
}

export type AuditCheckActivities = ReturnType<typeof createAuditCheckActivities>;
