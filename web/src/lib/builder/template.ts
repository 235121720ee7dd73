import { isMap, parseDocument } from 'yaml';
import { printPreserving, snapshot } from './model-yaml.ts';

/**
 * Runbook templates for the gallery of /runbooks/new: what a card shows, and how a template
 * becomes the author's own runbook (its name and title replaced, comments and layout kept).
 */
export interface TemplateSummary {
	id: string;
	title: string;
	description: string;
	stepCount: number;
	/** The step types it uses, each once, in order of first use. */
	uses: string[];
}

/** The id of the empty starting point; the others are built-in runbook names and `starter`. */
export const BLANK_TEMPLATE = 'blank';
export const STARTER_TEMPLATE = 'starter';

/** Back up, approve, update, notify: the shape most maintenance takes, on the demo CRM. */
export const STARTER_SOURCE = `apiVersion: tend/v1
kind: Runbook
metadata:
  name: starter
  title: Back up, approve, update, notify
  description: >-
    Back up the database, ask an approver, run one admin SQL statement, and tell people it is
    done. Replace the statement with your own change.
  tags: [crm]
spec:
  target: crm-demo
  concurrency: target
  onFailure: stop
  steps:
    - id: backup
      name: Back up the CRM database
      uses: postgres.backup
      with: { database: main, format: custom }
      retry: { maxAttempts: 3, initialInterval: 10s, backoff: 2 }
      timeout: 30m
    - id: approve
      name: Approve the change
      uses: approval
      with:
        approvers: [role:approver]
        quorum: 1
        timeout: 4h
        onTimeout: fail
        message: "Run the change? The backup \${{ steps.backup.outputs.backupId }} is ready to restore."
        show: [steps.backup.outputs]
    - id: update
      name: Run the change
      uses: sql.exec
      with:
        database: main
        # Values come through params ($1, $2, …), never spliced into the statement.
        query: update customers set email = lower(email) where email <> lower(email)
        statementTimeout: 5m
    - id: notify
      name: Tell people it is done
      uses: notify
      with:
        to: [role:admin]
        subject: "CRM change done: \${{ steps.update.outputs.rowCount }} rows updated"
`;

function record(value: unknown): Record<string, unknown> {
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function summarize(id: string, source: string): TemplateSummary {
	const data = record(parseDocument(source).toJS());
	const metadata = record(data.metadata);
	const steps = Array.isArray(record(data.spec).steps) ? (record(data.spec).steps as unknown[]) : [];
	const uses = [...new Set(steps.map((step) => record(step).uses).filter((u): u is string => typeof u === 'string'))];
	return {
		id,
		title: typeof metadata.title === 'string' ? metadata.title : id,
		description: typeof metadata.description === 'string' ? metadata.description : '',
		stepCount: steps.length,
		uses
	};
}

/** The template as the author's runbook: `metadata.name` and `metadata.title` replaced, nothing else touched. */
export function renameRunbook(source: string, name: string, title: string): string {
	const doc = parseDocument(source);
	if (!isMap(doc.contents)) return source;
	const before = snapshot(doc);
	doc.setIn(['metadata', 'name'], name);
	doc.setIn(['metadata', 'title'], title);
	return printPreserving(source, doc, before);
}

/** A title from a name, for when the author gives none: `crm-weekly-check` → `Crm weekly check`. */
export function titleFromName(name: string): string {
	const words = name.replace(/-+/g, ' ').trim();
	return words ? words[0].toUpperCase() + words.slice(1) : name;
}
