import { bigint, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { users } from './users.ts';

/**
 * A person's TOTP authenticator (DESIGN §7). The secret is encrypted at rest like any other
 * secret (shared/secrets.ts, AES-256-GCM, the row's user as additional data); until `confirmedAt`
 * is set, enrolment is unfinished and sign-in does not ask for a code.
 */
export const userTotp = pgTable('user_totp', {
	userId: uuid('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	ciphertext: text('ciphertext').notNull(),
	iv: text('iv').notNull(),
	tag: text('tag').notNull(),
	confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
	/** The last time step a code was accepted for: a code is good once, however fast it is replayed. */
	lastStep: bigint('last_step', { mode: 'number' }),
	createdAt: createdAt()
});

/** One-time recovery codes, kept only as SHA-256 (they are random, so no slow hash is needed). */
export const mfaRecoveryCodes = pgTable(
	'mfa_recovery_codes',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		codeHash: text('code_hash').notNull(),
		usedAt: timestamp('used_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('mfa_recovery_codes_user_idx').on(t.userId)]
);

export type UserTotp = typeof userTotp.$inferSelect;
