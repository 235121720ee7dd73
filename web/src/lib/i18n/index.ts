import i18next, { type TFunction } from 'i18next';
import { getContext, setContext } from 'svelte';
import { DEFAULT_LOCALE, INTL_LOCALE, LOCALES, type Locale } from './locale.ts';

export * from './locale.ts';

/**
 * Messages live in `locales/<language>/<namespace>.json`, one namespace per area of the app
 * (`common` for the shell and shared words). Keys are written `namespace:key.path`; a key without
 * a namespace is looked up in `common`. Interpolation is i18next's `{{name}}`, plurals its
 * `_one`/`_other` suffixes (Chinese has only `_other`).
 */
const files = import.meta.glob<Record<string, unknown>>('./locales/*/*.json', { eager: true, import: 'default' });

export const RESOURCES: Record<string, Record<string, Record<string, unknown>>> = {};
for (const [path, messages] of Object.entries(files)) {
	const [, locale, namespace] = /\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path)!;
	(RESOURCES[locale] ??= {})[namespace] = messages;
}
export const NAMESPACES = [...new Set(Object.values(RESOURCES).flatMap((byNamespace) => Object.keys(byNamespace)))];

export interface I18n {
	locale: Locale;
	/** The BCP 47 tag for Intl formatters. */
	intl: string;
	t: TFunction;
}

/**
 * One i18next instance per language, made once: every message is bundled, so initialisation is
 * synchronous and the server never shares a mutable "current language" between requests.
 */
const instances = new Map<Locale, I18n>();

export function i18nFor(locale: Locale): I18n {
	let i18n = instances.get(locale);
	if (!i18n) {
		const instance = i18next.createInstance();
		void instance.init({
			lng: locale,
			fallbackLng: DEFAULT_LOCALE,
			supportedLngs: [...LOCALES],
			resources: RESOURCES,
			ns: NAMESPACES,
			defaultNS: 'common',
			initAsync: false,
			returnNull: false,
			// Svelte escapes what it renders; i18next escaping on top would show &amp; and the like.
			interpolation: { escapeValue: false }
		});
		i18n = { locale, intl: INTL_LOCALE[locale], t: instance.t.bind(instance) as TFunction };
		instances.set(locale, i18n);
	}
	return i18n;
}

const KEY = Symbol('i18n');

/** Called by the root layout with a getter, so components follow a language switch without a reload. */
export function setI18n(current: () => I18n): void {
	setContext(KEY, current);
}

/**
 * The translator for the page being rendered. Read `i18n.t` inside markup or `$derived` so a switch
 * of language re-renders: `const i18n = useI18n();` then `{i18n.t('nav.runs')}`.
 */
export function useI18n(): I18n {
	const current = getContext<(() => I18n) | undefined>(KEY);
	if (!current) return i18nFor(DEFAULT_LOCALE);
	return {
		get locale() {
			return current().locale;
		},
		get intl() {
			return current().intl;
		},
		get t() {
			return current().t;
		}
	} as I18n;
}
