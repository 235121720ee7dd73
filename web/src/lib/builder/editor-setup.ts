import { basicSetup } from 'codemirror';
import { indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { indentUnit } from '@codemirror/language';
import { lintGutter } from '@codemirror/lint';
import { Transaction, type Extension } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';

/**
 * The YAML editor's extensions: CodeMirror's basic setup (history, search, folding, brackets,
 * completion), YAML, lint markers, two-space indentation. Tab indents, as YAML authors expect; Escape
 * then Tab leaves the editor (CodeMirror's own way out for keyboard users).
 */
export function editorExtensions(options: { label: string; onDocChange: (text: string) => void }): Extension {
	return [
		basicSetup,
		yaml(),
		lintGutter(),
		indentUnit.of('  '),
		keymap.of([indentWithTab]),
		EditorView.contentAttributes.of({ 'aria-label': options.label, 'aria-multiline': 'true' }),
		EditorView.updateListener.of((update) => {
			// A document loaded from outside (the canvas changed it) is marked not for history: it is no edit of the author's.
			if (update.docChanged && update.transactions.some((tr) => tr.annotation(Transaction.addToHistory) !== false)) options.onDocChange(update.state.doc.toString());
		}),
		EditorView.theme({
			'&': { height: '100%', fontSize: '13px' },
			'.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '1.55' },
			'.cm-gutters': { background: 'var(--surface-sunken)', borderRight: '1px solid var(--border)', color: 'var(--text-faint)' }
		})
	];
}
