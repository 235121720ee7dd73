import type { DocumentError } from './parse.ts';
import type { RunbookDocument } from './schema.ts';

/** Checks a run's inputs against the runbook's declared inputs and fills defaults. */
export function resolveInputs(runbook: RunbookDocument, given: Record<string, unknown>): { ok: true; inputs: Record<string, unknown> } | { ok: false; errors: DocumentError[] } {
	const errors: DocumentError[] = [];
	const inputs: Record<string, unknown> = {};
	for (const [name, declared] of Object.entries(runbook.spec.inputs)) {
		const value = given[name] ?? declared.default;
		if (value === undefined || value === '') {
			if (declared.required) errors.push({ path: `inputs.${name}`, message: `input "${name}" is required` });
			continue;
		}
		if (declared.type === 'number') {
			const n = typeof value === 'number' ? value : Number(value);
			if (!Number.isFinite(n)) errors.push({ path: `inputs.${name}`, message: `input "${name}" must be a number` });
			else inputs[name] = n;
		} else if (declared.type === 'boolean') {
			if (typeof value === 'boolean') inputs[name] = value;
			else if (value === 'true' || value === 'false') inputs[name] = value === 'true';
			else errors.push({ path: `inputs.${name}`, message: `input "${name}" must be true or false` });
		} else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
			inputs[name] = String(value);
		} else errors.push({ path: `inputs.${name}`, message: `input "${name}" must be a string` });
	}
	for (const name of Object.keys(given)) {
		if (!(name in runbook.spec.inputs)) errors.push({ path: `inputs.${name}`, message: `the runbook declares no input "${name}"` });
	}
	return errors.length ? { ok: false, errors } : { ok: true, inputs };
}
