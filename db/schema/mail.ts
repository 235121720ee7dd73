import { bigserial, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** What the embedded SMTP sink received: the dev stack's outbox (production uses a real mail catcher or relay). */
export const mailSink = pgTable(
	'mail_sink',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
		mailFrom: text('mail_from').notNull(),
		rcptTo: text('rcpt_to').array().notNull(),
		subject: text('subject').notNull(),
		text: text('text').notNull(),
		messageId: text('message_id')
	},
	(t) => [index('mail_sink_received_idx').on(t.receivedAt)]
);

export type SinkMail = typeof mailSink.$inferSelect;
