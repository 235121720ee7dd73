import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../runbooks/parse.ts';
import { referenceFor, refusal, STEP_PURPOSE, type LoginPrivileges } from '../../shared/connection-privileges.ts';

const where = (allowSuperuser: boolean) => ({ target: 't', database: 'main', field: 'url', allowSuperuser });
const superuser: LoginPrivileges = { user: 'postgres', superuser: true, serverAccess: true };
const programs: LoginPrivileges = { user: 'ops', superuser: false, serverAccess: true };
const plain: LoginPrivileges = { user: 'crm_owner', superuser: false, serverAccess: false };

describe('which login a step may use (issue 12, hole 3)', () => {
	it('refuses a superuser to every step unless the database allows one, and a check always', () => {
		for (const step of Object.keys(STEP_PURPOSE) as Array<keyof typeof STEP_PURPOSE>) {
			expect(refusal(step, superuser, where(false))?.type).toBe(step === 'sql.check' ? 'ServerAccessRefused' : 'SuperuserRefused');
			expect(refusal(step, superuser, where(true))?.type ?? null).toBe(step === 'sql.check' ? 'ServerAccessRefused' : null);
			expect(refusal(step, programs, where(false))?.type ?? null).toBe(step === 'sql.check' ? 'ServerAccessRefused' : null);
			expect(refusal(step, plain, where(false))).toBeNull();
		}
	});

	it('takes the purpose’s own login, else the url', () => {
		expect(referenceFor({ url: 'secret:a', roles: { read: 'secret:r' } }, 'read')).toEqual({ reference: 'secret:r', field: 'roles.read' });
		expect(referenceFor({ url: 'secret:a', roles: { read: 'secret:r' } }, 'owner')).toEqual({ reference: 'secret:a', field: 'url' });
	});

	it('checks the logins of a target like its url: a known secret, no password written in', () => {
		const source = (roles: string) => `apiVersion: tend/v1\nkind: Target\nmetadata: { name: t, title: T }\nspec:\n  databases:\n    main:\n      url: secret:a\n      allowSuperuser: true\n      roles: ${roles}\n`;
		expect(parseTarget(source('{ read: secret:r, backup: secret:a }'), { secrets: ['a', 'r'] })).toMatchObject({ ok: true });
		expect(parseTarget(source('{ read: secret:nope }'), { secrets: ['a'] })).toMatchObject({ ok: false, errors: [{ path: 'spec.databases.main.roles.read', line: 9 }] });
		expect(parseTarget(source('{ owner: "postgres://u:pw@h/db" }'), { secrets: ['a'] })).toMatchObject({ ok: false, errors: [{ path: 'spec.databases.main.roles.owner', message: expect.stringContaining('holds a password') }] });
		expect(parseTarget(source('{ admin: secret:a }'), { secrets: ['a'] })).toMatchObject({ ok: false, errors: [{ path: expect.stringContaining('spec.databases.main.roles') }] });
	});
});
