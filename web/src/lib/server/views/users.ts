import { roles, ROLES, type Role } from '../../../../../db/schema/index.ts';
import { getDb } from '../db.ts';

/** Every role with what it grants, in the order DESIGN §7 lists them. */
export async function listRoleDescriptions(): Promise<{ name: Role; description: string }[]> {
	const rows = await getDb().select().from(roles);
	const byName = new Map(rows.map((row) => [row.name, row.description]));
	return ROLES.map((name) => ({ name, description: byName.get(name) ?? '' }));
}
