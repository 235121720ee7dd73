import { describe, expect, it } from 'vitest';
import { parseDocument, parseTarget, parseWindow } from '../../runbooks/parse.ts';
import { documentErrorsOf, expectError, positionOf } from './runbook-helpers.ts';

const target = `apiVersion: tend/v1
kind: Target
metadata: { name: crm-demo, title: Demo CRM }
spec:
  databases:
    main: { url: "secret:crm-demo-db" }
  urls: { health: "http://127.0.0.1:5173/healthz" }
  backups:
    location: "file:backups/crm-demo"
    offsite: "file:/mnt/offsite/crm-demo"
    retention: { daily: 7, weekly: 4, monthly: 12 }
  audiences: { members: ["role:member"] }
`;

const window = `apiVersion: tend/v1
kind: Window
metadata: { name: weekend-night, title: Weekend nights }
spec:
  kind: maintenance
  timezone: Europe/Berlin
  weekly:
    - { days: [sat, sun], start: "22:00", duration: 6h }
  ranges:
    - { from: "2025-12-27T08:00", to: "2025-12-28", reason: year-end upgrade }
`;

describe('parseDocument', () => {
	it('reads each kind with its own schema and says which kind it read', () => {
		const results = [target, window, 'apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: r, title: R }\nspec:\n  steps: [ { id: a, uses: notify, with: { to: [role:admin], subject: s } } ]\n'].map((source) => parseDocument(source));
		expect(results.map((r) => r.ok && r.kind)).toEqual(['Target', 'Window', 'Runbook']);
	});

	it('reads the DESIGN §3 Target example, filling defaults', () => {
		const result = parseTarget(target);
		expect(result.ok && result.document.spec.backups).toEqual({ location: 'file:backups/crm-demo', offsite: 'file:/mnt/offsite/crm-demo', retention: { daily: 7, weekly: 4, monthly: 12 } });
		const bare = parseTarget('apiVersion: tend/v1\nkind: Target\nmetadata: { name: web, title: Web }\nspec: {}\n');
		expect(bare.ok && bare.document.spec).toEqual({ databases: {}, urls: {}, audiences: {} });
	});

	it('reads a Window with weekly slots and absolute ranges', () => {
		const result = parseWindow(window);
		expect(result.ok && result.document.spec).toMatchObject({ kind: 'maintenance', timezone: 'Europe/Berlin', weekly: [{ days: ['sat', 'sun'], start: '22:00', duration: '6h' }] });
	});

	it('asks for a kind, names the kinds it reads, suggests a misspelt one and says which are still to come', () => {
		expect(documentErrorsOf('apiVersion: tend/v1\nmetadata: {}\n')).toEqual([{ path: 'kind', line: 1, column: 1, message: '"kind" is required: one of Runbook, Target, Window, Drill, TrainingModule' }]);
		const source = 'apiVersion: tend/v1\nkind: Traget\n';
		expect(documentErrorsOf(source)).toEqual([{ path: 'kind', ...positionOf(source, 'Traget'), message: 'unknown kind "Traget"; did you mean "Target"?' }]);
		expect(documentErrorsOf('kind: Survey\n')[0].message).toBe('kind "Survey" is not supported yet; this version reads Runbook, Target, Window, Drill, TrainingModule');
		expect(documentErrorsOf('kind: [Runbook]\n')[0]).toMatchObject({ path: 'kind', line: 1, column: 7 });
	});

	it('passes the runbook context on', () => {
		const source = 'apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: r, title: R }\nspec:\n  target: nowhere\n  steps: [ { id: a, uses: notify, with: { to: [role:admin], subject: s } } ]\n';
		expect(parseDocument(source).ok).toBe(true);
		const result = parseDocument(source, { targets: ['crm-demo'] });
		expect(!result.ok && result.errors).toEqual([{ path: 'spec.target', ...positionOf(source, 'nowhere'), message: 'no target named "nowhere" is registered; registered targets: crm-demo' }]);
	});
});

describe('Target validation', () => {
	it('refuses a password written into the document, and other mistakes, each at its line', () => {
		const source = target
			.replace('"secret:crm-demo-db"', '"postgres://crm:hunter2@db/crm"')
			.replace('http://127.0.0.1:5173/healthz', 'ftp://x')
			.replace('"file:backups/crm-demo"', '"s3://bucket"')
			.replace('daily: 7', 'daily: -1')
			.replace('["role:member"]', '[]');
		const errors = documentErrorsOf(source);
		expectError(errors, 'spec.databases.main.url', 'holds a password: store the URL as a secret and write secret:NAME here', positionOf(source, '"postgres://'));
		expectError(errors, 'spec.urls.health', 'must be an http:// or https:// URL', positionOf(source, '"ftp'));
		expectError(errors, 'spec.backups.location', 'must be file:PATH (a relative path is under TEND_HOME)', positionOf(source, '"s3'));
		expectError(errors, 'spec.backups.retention.daily', 'must be at least 0', positionOf(source, '-1'));
		expectError(errors, 'spec.audiences.members', 'an audience needs at least one member', positionOf(source, '[]'));
	});

	it('accepts a postgres URL without a password, and refuses unknown fields with a suggestion', () => {
		expect(parseTarget(target.replace('"secret:crm-demo-db"', '"postgres://crm@db/crm"')).ok).toBe(true);
		const source = target.replace('  audiences:', '  audience:');
		expectError(documentErrorsOf(source), 'spec.audience', 'unknown field "audience"; did you mean "audiences"?', positionOf(source, 'audience:'));
	});
});

describe('Window validation', () => {
	it('checks the time zone with Intl and suggests the zone meant', () => {
		const source = window.replace('Europe/Berlin', 'Europe/Berln');
		expectError(documentErrorsOf(source), 'spec.timezone', 'must be an IANA time zone such as Europe/Berlin or UTC; did you mean "Europe/Berlin"?', positionOf(source, 'Europe/Berln'));
	});

	it('checks days, times of day, lengths and ranges', () => {
		const source = window
			.replace('[sat, sun]', '[sat, sat, funday]')
			.replace('"22:00"', '"24:00"')
			.replace('duration: 6h', 'duration: 8d')
			.replace('"2025-12-27T08:00", to: "2025-12-28"', '"2025-12-28", to: "2025-12-27T08:00"')
			.replace('kind: maintenance', 'kind: holiday');
		const errors = documentErrorsOf(source);
		expectError(errors, 'spec.kind', 'must be one of: maintenance, freeze', positionOf(source, 'holiday'));
		expectError(errors, 'spec.weekly[0].days[2]', 'must be one of: mon, tue, wed, thu, fri, sat, sun', positionOf(source, 'funday'));
		expectError(errors, 'spec.weekly[0].start', 'must be a time of day such as 22:00', positionOf(source, '"24:00"'));
		expectError(errors, 'spec.weekly[0].duration', 'must be longer than 0 and at most 7d', positionOf(source, '8d'));
		expectError(errors, 'spec.ranges[0].to', 'must end after it starts', positionOf(source, '"2025-12-27T08:00"'));
	});

	it('refuses dates that do not exist and a window with no time in it', () => {
		expectError(documentErrorsOf(window.replace('"2025-12-28"', '"2025-02-29"')), 'spec.ranges[0].to', /must be a local date and time/);
		expect(parseWindow(window.replace('"2025-12-28"', '"2028-02-29"')).ok).toBe(true);
		const empty = window.split('  weekly:')[0];
		expectError(documentErrorsOf(empty), 'spec', 'a window needs at least one weekly slot or one range', positionOf(empty, 'kind: maintenance'));
	});
});
