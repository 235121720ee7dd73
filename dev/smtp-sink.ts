import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { tolerateConnectionLoss } from '../db/client.ts';

export interface SmtpSink {
	url: string;
	stop(): Promise<void>;
}

/**
 * A real SMTP server for the embedded stack: every message it accepts lands in `mail_sink`, where
 * the Outbox page shows it. Production points SMTP_URL at a relay or a mail catcher instead.
 */
export async function startSmtpSink(options: { port: number; databaseUrl: string; log?: (line: string) => void }): Promise<SmtpSink> {
	// The sink lives in the launcher, so an unheard pool error would take the whole stack down.
	const pool = tolerateConnectionLoss(new pg.Pool({ connectionString: options.databaseUrl, max: 2 }), (line) => options.log?.(`mail sink: ${line}`));
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		banner: 'Tend mail sink',
		size: 10 * 1024 * 1024,
		onData(stream, session, callback) {
			simpleParser(stream)
				.then((mail) =>
					pool.query('insert into mail_sink (mail_from, rcpt_to, subject, text, message_id) values ($1, $2, $3, $4, $5)', [
						session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						session.envelope.rcptTo.map((r) => r.address),
						mail.subject ?? '(no subject)',
						mail.text ?? '',
						mail.messageId ?? null
					])
				)
				.then(() => callback())
				.catch((error: Error) => {
					options.log?.(`mail sink could not store a message: ${error.message}`);
					callback(error);
				});
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, '127.0.0.1', () => resolve());
	});
	return {
		url: `smtp://127.0.0.1:${options.port}`,
		async stop() {
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await pool.end();
		}
	};
}
