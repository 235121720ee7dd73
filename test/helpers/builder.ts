import type { Page } from 'playwright-core';

/**
 * The builder's YAML as its editor holds it. CodeMirror renders only the lines in view, so the
 * text is read from the editor's state (the view CodeMirror hangs on its content element), not the DOM.
 */
export async function builderYaml(page: Page): Promise<string> {
	await page.getByRole('tab', { name: 'YAML' }).click();
	return page.locator('#builder-panel-yaml .cm-content').evaluate((element) => {
		type View = { state: { doc: { toString(): string } } };
		const view = (element as unknown as { cmTile?: { root?: { view?: View } } }).cmTile?.root?.view;
		if (!view) throw new Error('no CodeMirror view on .cm-content');
		return view.state.doc.toString();
	});
}
