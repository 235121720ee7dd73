import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseLocale, fromAcceptLanguage, i18nFor, RESOURCES } from '../../web/src/lib/i18n/index.ts';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** Every message key of a namespace, plural forms folded into their base key. */
function keys(messages: Record<string, unknown>, prefix = ''): Set<string> {
	const found = new Set<string>();
	for (const [key, value] of Object.entries(messages)) {
		const path = `${prefix}${key.replace(PLURAL_SUFFIX, '')}`;
		if (value && typeof value === 'object') for (const inner of keys(value as Record<string, unknown>, `${path}.`)) found.add(inner);
		else found.add(path);
	}
	return found;
}

function sourceFiles(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.(svelte|ts)$/.test(name) ? [path] : [];
	});
}

describe('choosing the language', () => {
	it('takes the cookie first, then the browser by q-value, then English', () => {
		expect(chooseLocale('zh', 'en-GB,en;q=0.9')).toBe('zh');
		expect(chooseLocale(undefined, 'fr-FR,zh-CN;q=0.8,en;q=0.5')).toBe('zh');
		expect(chooseLocale(undefined, 'en;q=0.2,zh-TW;q=0.9')).toBe('zh');
		expect(chooseLocale('klingon', 'de-DE')).toBe('en');
		expect(fromAcceptLanguage('zh;q=0, en')).toBe('en');
	});

	it('formats plurals by each language’s rules', () => {
		expect(i18nFor('en').t('nav.approvalsWaiting', { count: 1 })).toBe('1 approval waiting for you');
		expect(i18nFor('en').t('nav.approvalsWaiting', { count: 3 })).toBe('3 approvals waiting for you');
		expect(i18nFor('zh').t('nav.approvalsWaiting', { count: 3 })).toBe('3 项审批等待您处理');
		expect(i18nFor('en').t('builder:problems.title', { count: 0 })).toBe('No problems');
		expect(i18nFor('zh').t('builder:problems.title', { count: 0 })).toBe('没有问题');
		expect(i18nFor('en').t('builder:problems.title', { count: 2 })).toBe('2 problems');
	});
});

describe('the message catalogues', () => {
	it('have the same keys in English and Chinese, namespace by namespace', () => {
		expect(Object.keys(RESOURCES.zh).sort()).toEqual(Object.keys(RESOURCES.en).sort());
		for (const namespace of Object.keys(RESOURCES.en)) {
			expect([...keys(RESOURCES.zh[namespace])].sort(), namespace).toEqual([...keys(RESOURCES.en[namespace])].sort());
		}
	});

	it('hold every key the web app asks for', () => {
		const known = new Set(Object.entries(RESOURCES.en).flatMap(([namespace, messages]) => [...keys(messages)].map((key) => `${namespace}:${key}`)));
		const missing: string[] = [];
		for (const file of sourceFiles(join(process.cwd(), 'web', 'src'))) {
			const text = readFileSync(file, 'utf8');
			for (const match of text.matchAll(/\bt\(\s*(['"`])([A-Za-z][\w.:-]*)\1/g)) {
				const key = match[2].includes(':') ? match[2] : `common:${match[2]}`;
				if (!known.has(key)) missing.push(`${file.slice(process.cwd().length + 1)}: ${match[2]}`);
			}
		}
		expect(missing).toEqual([]);
	});
});
