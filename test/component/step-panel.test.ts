import { cleanup, fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPanel } from './step-panel-helpers.ts';

afterEach(cleanup);

describe('the step panel: parameters from the step type’s schema', () => {
	it('renders postgres.backup with labels, help, required marker and defaults as placeholders', () => {
		renderPanel({ id: 'backup', uses: 'postgres.backup', with: { database: 'main' } });
		expect(screen.getByRole('heading', { name: 'Back up database' })).toBeTruthy();
		const database = screen.getByLabelText('Database') as HTMLInputElement;
		expect(database.value).toBe('main');
		expect(database.getAttribute('aria-required')).toBe('true');
		expect(database.getAttribute('aria-describedby')).toContain('help');
		expect(screen.getByText('a database of the target, such as main')).toBeTruthy();
		const format = screen.getByLabelText('Format') as HTMLSelectElement;
		expect([...format.options].map((o) => o.text)).toEqual(['default: custom', 'custom', 'directory']);
		expect(format.value).toBe('');
		expect((screen.getByLabelText('Jobs') as HTMLInputElement).placeholder).toBe('');
	});

	it('sends the whole step with the new `with` as the user types, and leaves out emptied fields', async () => {
		const panel = renderPanel({ id: 'backup', uses: 'postgres.backup', needs: ['approve'], with: { database: 'main' } });
		await fireEvent.input(screen.getByLabelText('Jobs'), { target: { value: '4' } });
		expect(panel.last()).toEqual({ id: 'backup', uses: 'postgres.backup', needs: ['approve'], with: { database: 'main', jobs: 4 } });
		await fireEvent.change(screen.getByLabelText('Format'), { target: { value: '1' } });
		expect(panel.last()!.with).toEqual({ database: 'main', jobs: 4, format: 'directory' });
		await fireEvent.input(screen.getByLabelText('Jobs'), { target: { value: '' } });
		expect(panel.last()!.with).toEqual({ database: 'main', format: 'directory' });
		expect(JSON.stringify(panel.sent)).not.toContain('null');
		expect(screen.getByText('Runs after: approve')).toBeTruthy();
	});

	it('flags an out-of-range number, a required field left empty and a finding of the validator beside their fields', async () => {
		renderPanel({ id: 'backup', uses: 'postgres.backup', with: { database: 'main' } }, [{ path: 'with.database', message: 'no database "main" in target crm-demo' }]);
		expect(screen.getByText('no database "main" in target crm-demo')).toBeTruthy();
		const jobs = screen.getByLabelText('Jobs');
		await fireEvent.input(jobs, { target: { value: '40' } });
		expect(jobs.getAttribute('aria-invalid')).toBe('true');
		expect(screen.getByText('Must be at most 16')).toBeTruthy();
		await fireEvent.input(jobs, { target: { value: 'four' } });
		expect(screen.getByText('Must be a whole number')).toBeTruthy();
		await fireEvent.input(screen.getByLabelText('Database'), { target: { value: '' } });
		expect(screen.getByLabelText('Database').getAttribute('aria-invalid')).toBe('true');
		expect(screen.getByText('Required')).toBeTruthy();
	});

	it('keeps an expression in a union field and offers the suggestions', async () => {
		const panel = renderPanel({ id: 'backup', uses: 'postgres.backup', with: { database: 'main', jobs: '${{ inputs.jobs }}' } });
		const jobs = screen.getByLabelText('Jobs') as HTMLInputElement;
		expect(jobs.value).toBe('${{ inputs.jobs }}');
		expect(jobs.getAttribute('aria-invalid')).toBeNull();

		const database = screen.getByLabelText('Database');
		await fireEvent.focus(database);
		await fireEvent.input(database, { target: { value: '${{ inp' } });
		const list = screen.getByRole('listbox', { name: 'Suggested expressions' });
		expect(within(list).getAllByRole('option').map((o) => o.textContent?.trim())).toEqual(['${{ inputs.database }}', '${{ inputs.release }}']);
		await fireEvent.keyDown(database, { key: 'ArrowDown' });
		await fireEvent.keyDown(database, { key: 'Enter' });
		expect(panel.last()!.with).toEqual({ database: '${{ inputs.database }}', jobs: '${{ inputs.jobs }}' });
		expect(screen.queryByRole('listbox')).toBeNull();
	});

	it('shows an enum with an expression branch as a choice that can switch to an expression', async () => {
		const panel = renderPanel({ id: 'tell', uses: 'notify', with: { to: ['role:member'], subject: 'Hi', channel: '${{ inputs.channel }}' } });
		expect((screen.getByLabelText('Channel') as HTMLInputElement).value).toBe('${{ inputs.channel }}');
		await fireEvent.change(screen.getByLabelText('Kind of value for Channel'), { target: { value: 'choice' } });
		expect(panel.last()!.with).toEqual({ to: ['role:member'], subject: 'Hi' });
		await fireEvent.change(screen.getByLabelText('Channel'), { target: { value: '1' } });
		expect(panel.last()!.with).toMatchObject({ channel: 'webhook' });
	});

	it('edits a list of strings with Add and Remove (notify)', async () => {
		const panel = renderPanel({ id: 'tell', uses: 'notify', with: { to: ['role:member'], subject: 'Done' } });
		expect(screen.getByText('role:NAME, user:USERNAME or an email address; for a webhook, an http(s) URL or secret:NAME')).toBeTruthy();
		await fireEvent.click(screen.getByRole('button', { name: 'Add to To' }));
		await fireEvent.input(screen.getByLabelText('To 2'), { target: { value: 'ops@example.com' } });
		expect(panel.last()!.with).toEqual({ to: ['role:member', 'ops@example.com'], subject: 'Done' });
		await fireEvent.click(screen.getByRole('button', { name: 'Remove To 1' }));
		expect(panel.last()!.with).toEqual({ to: ['ops@example.com'], subject: 'Done' });
		await fireEvent.click(screen.getByRole('button', { name: 'Remove To 1' }));
		expect(panel.last()!.with).toEqual({ subject: 'Done' });
		expect(screen.getByText('Required')).toBeTruthy();
	});

	it('renders approval: lists of objects as fieldsets, an optional boolean with its default', async () => {
		const panel = renderPanel({ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'], escalate: [{ after: '1h', to: 'role:lead' }] } });
		const escalation = screen.getByRole('group', { name: 'Escalate 1' });
		expect((within(escalation).getByLabelText('After') as HTMLInputElement).value).toBe('1h');
		await fireEvent.input(within(escalation).getByLabelText('To'), { target: { value: 'role:cto' } });
		expect(panel.last()!.with).toEqual({ approvers: ['role:approver'], escalate: [{ after: '1h', to: 'role:cto' }] });

		const fourEyes = screen.getByLabelText('Four eyes') as HTMLInputElement;
		expect(fourEyes.checked).toBe(true);
		await fireEvent.click(fourEyes);
		expect(panel.last()!.with).toMatchObject({ fourEyes: false });
		await fireEvent.click(screen.getByRole('button', { name: 'Use the default for Four eyes' }));
		expect(panel.last()!.with).not.toHaveProperty('fourEyes');

		await fireEvent.input(screen.getByLabelText('Quorum'), { target: { value: '0' } });
		expect(screen.getByText('Must be at least 1')).toBeTruthy();
	});

	it('renders sql.exec with its query as a text area and keeps an unknown field through the YAML fallback', async () => {
		const panel = renderPanel({ id: 'fix', uses: 'sql.exec', with: { database: 'main', query: 'select 1', legacy: { keep: [1, 2] } } }, [{ path: 'with.legacy', message: 'unknown field "legacy"' }]);
		expect(screen.getByLabelText('Query').tagName).toBe('TEXTAREA');
		expect(screen.getByText('unknown field "legacy"')).toBeTruthy();
		const legacy = screen.getByLabelText('Legacy') as HTMLTextAreaElement;
		expect(legacy.value).toContain('keep');
		await fireEvent.input(screen.getByLabelText('Query'), { target: { value: 'vacuum customers' } });
		expect(panel.last()!.with).toEqual({ database: 'main', query: 'vacuum customers', legacy: { keep: [1, 2] } });
		await fireEvent.input(legacy, { target: { value: 'keep: [1, 2, 3]' } });
		expect(panel.last()!.with).toMatchObject({ legacy: { keep: [1, 2, 3] } });
		const count = panel.sent.length;
		await fireEvent.input(legacy, { target: { value: 'keep: [1, 2' } });
		expect(panel.sent.length).toBe(count);
		expect(screen.getByText(/^Not valid YAML/)).toBeTruthy();
	});

	it('keeps a value of a shape the schema does not expect in a YAML area', () => {
		renderPanel({ id: 'backup', uses: 'postgres.backup', with: { database: { primary: 'main' } } });
		expect((screen.getByLabelText('Database') as HTMLTextAreaElement).value).toBe('primary: main');
	});
});

describe('the step panel: identity and execution settings', () => {
	it('flags an invalid step id as it is typed, and sends the id when the field is left', async () => {
		const panel = renderPanel({ id: 'backup', uses: 'postgres.backup', with: { database: 'main' } });
		await fireEvent.input(screen.getByLabelText('Step id'), { target: { value: '9 lives' } });
		expect(panel.sent).toEqual([]);
		await fireEvent.change(screen.getByLabelText('Step id'));
		expect(panel.last()!.id).toBe('9 lives');
		expect(screen.getByLabelText('Step id').getAttribute('aria-invalid')).toBe('true');
		expect(screen.getByText('Must start with a letter or _ and hold only letters, digits, _ and -')).toBeTruthy();
	});

	it('edits retry, timeout, risk (with the type’s default) and the condition', async () => {
		const panel = renderPanel({ id: 'fix', uses: 'sql.exec', with: { database: 'main', query: 'select 1' } });
		const risk = screen.getByLabelText('Risk') as HTMLSelectElement;
		expect(risk.options[0].text).toBe('default: high');
		await fireEvent.input(screen.getByLabelText('Max attempts'), { target: { value: '5' } });
		expect(panel.last()!.retry).toEqual({ maxAttempts: 5 });
		expect((screen.getByLabelText('Initial interval') as HTMLInputElement).placeholder).toBe('5s');
		await fireEvent.input(screen.getByLabelText('Timeout'), { target: { value: '30m' } });
		await fireEvent.change(risk, { target: { value: '1' } });
		await fireEvent.input(screen.getByLabelText('Run only if'), { target: { value: '${{ inputs.release }}' } });
		expect(panel.last()).toEqual({ id: 'fix', uses: 'sql.exec', with: { database: 'main', query: 'select 1' }, retry: { maxAttempts: 5 }, timeout: '30m', risk: 'medium', if: '${{ inputs.release }}' });
		await fireEvent.input(screen.getByLabelText('Timeout'), { target: { value: '30 minutes' } });
		expect(screen.getByText('Must be a duration such as 10s, 30m or 4h')).toBeTruthy();
		await fireEvent.input(screen.getByLabelText('Max attempts'), { target: { value: '' } });
		expect(panel.last()).not.toHaveProperty('retry');
	});

	it('sets a rollback step and edits its own parameters', async () => {
		const panel = renderPanel({ id: 'update', uses: 'postgres.migrate', with: { database: 'main', bundle: 'crm-2.4.0' } });
		await fireEvent.change(screen.getByLabelText('Rollback step'), { target: { value: 'postgres.restore' } });
		expect(panel.last()!.rollback).toEqual({ uses: 'postgres.restore' });
		const rollback = screen.getByRole('group', { name: 'Rollback parameters' });
		await fireEvent.input(within(rollback).getByLabelText('Database'), { target: { value: 'main' } });
		await fireEvent.input(within(rollback).getByLabelText('Backup'), { target: { value: '${{ steps.backup.outputs.backupId }}' } });
		expect(panel.last()!.rollback).toEqual({ uses: 'postgres.restore', with: { database: 'main', backup: '${{ steps.backup.outputs.backupId }}' } });
		expect(panel.last()!.with).toEqual({ database: 'main', bundle: 'crm-2.4.0' });
		await fireEvent.change(screen.getByLabelText('Rollback step'), { target: { value: '' } });
		expect(panel.last()).not.toHaveProperty('rollback');
	});

	it('calls ondelete from Remove step', async () => {
		const panel = renderPanel({ id: 'backup', uses: 'postgres.backup', with: { database: 'main' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Remove step' }));
		expect(panel.deleted).toHaveLength(1);
	});
});
