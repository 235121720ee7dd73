import { MAX_DOCUMENT_BYTES, MAX_STEPS } from '../../runbooks/limits.ts';

/**
 * The heaviest runbook the bounds allow, or one step past them: `steps` http.check steps, each
 * needing up to `fan` steps before it and reading the previous step's output, padded with a
 * comment toward `bytes` (YAML's cost is per node, so needs lists make it work hardest).
 */
export function largeRunbook(name: string, options: { steps?: number; fan?: number; bytes?: number } = {}): string {
	const { steps = MAX_STEPS, fan = 60, bytes = MAX_DOCUMENT_BYTES - 1_000 } = options;
	const lines = ['apiVersion: tend/v1', 'kind: Runbook', `metadata: { name: ${name}, title: Largest allowed }`, 'spec:', '  steps:', '    - id: s0', '      uses: http.check', '      with: { url: "http://127.0.0.1:9/0" }'];
	for (let i = 1; i < steps; i++) {
		const needs = Array.from({ length: Math.min(i, fan) }, (_, k) => `s${i - 1 - k}`);
		lines.push(`    - id: s${i}`, '      uses: http.check', `      needs: [${needs.join(', ')}]`, `      with: { url: "http://127.0.0.1:9/\${{ steps.s${i - 1}.outputs.status }}" }`);
	}
	const text = lines.join('\n') + '\n';
	const room = bytes - Buffer.byteLength(text);
	if (room < 0) throw new Error(`the runbook is ${-room} bytes over ${bytes}; lower fan`);
	return text + `# ${'x'.repeat(Math.max(0, room - 3))}\n`;
}
