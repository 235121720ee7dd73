import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { approvalLinkKey, approvalLinkPath, signApprovalLink, verifyApprovalLink } from '../../shared/approval-links.ts';
import { approvalAudience } from '../../activities/run-ledger-v1.ts';

const secret = randomBytes(32).toString('base64');
const key = approvalLinkKey(secret);
const run = randomUUID();
const now = new Date('2026-05-01T10:00:00Z');
const params = (path: string) => new URL(path, 'http://tend.test').searchParams;

describe('signed approval links', () => {
	it('verifies a link it made, naming the run and step', () => {
		const path = approvalLinkPath(key, run, 'ask', now);
		expect(path).toMatch(/^\/approvals\/open\?run=[0-9a-f-]{36}&step=ask&exp=\d+&sig=[\w-]{43}$/);
		expect(verifyApprovalLink(key, params(path), now)).toEqual({ run, step: 'ask' });
		// A gate's step id has a dot in it.
		expect(verifyApprovalLink(key, params(approvalLinkPath(key, run, 'restore.approval', now)), now)).toEqual({ run, step: 'restore.approval' });
	});

	it('refuses a changed run, step, expiry or signature', () => {
		const good = params(approvalLinkPath(key, run, 'ask', now));
		const tampered = (name: string, value: string) => {
			const copy = new URLSearchParams(good);
			copy.set(name, value);
			return verifyApprovalLink(key, copy, now);
		};
		expect(tampered('run', randomUUID())).toBeNull();
		expect(tampered('step', 'tell')).toBeNull();
		expect(tampered('exp', String(Number(good.get('exp')) + 3600))).toBeNull();
		const sig = good.get('sig')!;
		expect(tampered('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1))).toBeNull();
		expect(tampered('sig', '')).toBeNull();
		const missing = new URLSearchParams(good);
		missing.delete('sig');
		expect(verifyApprovalLink(key, missing, now)).toBeNull();
	});

	it('refuses a link signed with another instance’s key', () => {
		const other = approvalLinkKey(randomBytes(32).toString('base64'));
		expect(verifyApprovalLink(key, params(approvalLinkPath(other, run, 'ask', now)), now)).toBeNull();
	});

	it('refuses an expired link', () => {
		const path = approvalLinkPath(key, run, 'ask', now, 60);
		expect(verifyApprovalLink(key, params(path), new Date(now.getTime() + 59_000))).not.toBeNull();
		expect(verifyApprovalLink(key, params(path), new Date(now.getTime() + 60_000))).toBeNull();
	});

	it('uses a key of its own, not the secret key itself', () => {
		const link = { run, step: 'ask', exp: 1 };
		expect(key.equals(Buffer.from(secret, 'base64'))).toBe(false);
		expect(signApprovalLink(key, link)).not.toBe(signApprovalLink(Buffer.from(secret, 'base64'), link));
		expect(() => approvalLinkKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
	});
});

describe('who is asked to decide', () => {
	const document = {
		spec: {
			steps: [
				{ id: 'ask', uses: 'approval', with: { approvers: ['role:approver', 'user:dana', '${{ inputs.who }}'], fourEyes: false } },
				{ id: 'restore', uses: 'postgres.restore', risk: 'high' },
				{ id: 'tell', uses: 'notify' }
			]
		}
	};

	it('reads an explicit approval’s literal approvers and its four-eyes rule', () => {
		expect(approvalAudience(document, 'ask')).toEqual({ approvers: ['role:approver', 'user:dana'], fourEyes: false });
	});

	it('gives an implicit gate the approver role with four eyes', () => {
		expect(approvalAudience(document, 'restore.approval')).toEqual({ approvers: ['role:approver'], fourEyes: true });
	});

	it('asks nobody for a step that is not an approval', () => {
		expect(approvalAudience(document, 'tell')).toBeNull();
		expect(approvalAudience(document, 'nope.approval')).toBeNull();
	});
});
