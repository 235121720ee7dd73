// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			message: string;
			/** A machine-readable reason (`forbidden`, `internal_error`, ...), for pages and the JSON API alike. */
			code?: string;
		}
		interface Locals {
			user: import('$lib/server/auth.ts').SessionUser | null;
			/** `secondFactorAt`: when this session last proved a second factor (sign-in or step-up). */
			session: { id: string; expiresAt: Date; secondFactorAt: Date | null } | null;
			/** Set when the request authenticated with an API token (`user.roles` is then already narrowed to its scopes). */
			apiToken: import('$lib/server/tokens.ts').RequestToken | null;
			/** The language pages render in (web/src/lib/i18n/locale.ts). */
			locale: import('$lib/i18n/locale.ts').Locale;
		}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
