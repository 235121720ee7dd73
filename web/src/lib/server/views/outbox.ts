import { desc } from 'drizzle-orm';
import { mailSink } from '../../../../../db/schema/index.ts';
import { getDb } from '../db.ts';

/** The newest mails the dev SMTP sink caught. */
export async function listMail(limit = 100) {
	return getDb()
		.select({ id: mailSink.id, receivedAt: mailSink.receivedAt, from: mailSink.mailFrom, to: mailSink.rcptTo, subject: mailSink.subject, text: mailSink.text })
		.from(mailSink)
		.orderBy(desc(mailSink.receivedAt), desc(mailSink.id))
		.limit(limit);
}
