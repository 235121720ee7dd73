/**
 * Which language a person sees: their own choice (the `tend_lang` cookie, set by the switcher),
 * else the first supported language their browser asks for, else English.
 */
export const LOCALES = ['en', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
export const LOCALE_COOKIE = 'tend_lang';

/** BCP 47 tags for Intl (dates, numbers, relative times). */
export const INTL_LOCALE: Record<Locale, string> = { en: 'en', zh: 'zh-CN' };
/** Each language named in itself, for the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', zh: '简体中文' };

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The best supported match for an Accept-Language header, by its q-values. */
export function fromAcceptLanguage(header: string | null | undefined): Locale | null {
	if (!header) return null;
	const ranked = header
		.split(',')
		.map((part, order) => {
			const [tag, ...params] = part.trim().split(';');
			const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
			return { tag: tag.trim().toLowerCase(), q: q ? Number(q[1]) : 1, order };
		})
		.filter((entry) => entry.tag && entry.q > 0)
		.sort((a, b) => b.q - a.q || a.order - b.order);
	for (const { tag } of ranked) {
		const primary = tag.split('-')[0];
		if (isLocale(primary)) return primary;
	}
	return null;
}

export function chooseLocale(cookie: string | undefined, acceptLanguage: string | null): Locale {
	if (isLocale(cookie)) return cookie;
	return fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE;
}
