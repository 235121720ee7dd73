import pg from 'pg';

/**
 * SQL for the normalised keys two rows are compared on. They run inside PostgreSQL over the whole
 * table in one statement; each takes SQL text that is already quoted (`t."email"`).
 */

/** translate()'s stand-in for unaccent: one plain letter per accented one, so both strings keep the same length. */
export const ACCENTED = 'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžČčŁłŘřĆćŃńŚśŹźŻżĘęĄąŐőŰű';
export const UNACCENTED = 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyySsZzCcLlRrCcNnSsZzZzEeAaOoUu';

const GMAIL_DOMAINS = ['gmail.com', 'googlemail.com'];

/** Lower-cased and trimmed: what emailKeySql starts from. */
export const emailCleanSql = (column: string) => `lower(btrim(${column}, E' \\t\\r\\n'))`;

/**
 * From a cleaned address (emailCleanSql, as a column of an inner query so it is worked out once):
 * with `aliases`, a +tag is dropped from the local part and Gmail's dots ignored (googlemail.com is
 * gmail.com). Anything that is not one `local@domain` is no key at all.
 */
export function emailKeySql(clean: string, aliases: boolean): string {
	const local = `split_part(${clean}, '@', 1)`;
	const domain = `split_part(${clean}, '@', 2)`;
	const gmail = GMAIL_DOMAINS.map((d) => pg.escapeLiteral(d)).join(', ');
	const key = aliases
		? `regexp_replace(case when ${domain} in (${gmail}) then replace(${local}, '.', '') else ${local} end, '\\+.*$', '') || '@' || case when ${domain} = 'googlemail.com' then 'gmail.com' else ${domain} end`
		: clean;
	return `case when ${clean} ~ '^[^@[:space:]]+@[^@[:space:]]+$' then ${key} end`;
}

/** The digits of a phone number: translate() drops every other character, several times quicker than a regular expression. */
export const phoneDigitsSql = (column: string) => `translate(${column}, translate(${column}, '0123456789', ''), '')`;

/** From the digits (phoneDigitsSql): the last ten, so +1 and other country prefixes drop out; fewer than seven is no number. */
export const phoneKeySql = (digits: string) => `case when length(${digits}) >= 7 then right(${digits}, 10) end`;

/**
 * The name columns joined, accents removed (unaccent when installed, otherwise translate()),
 * lower-cased, punctuation and runs of spaces collapsed to one space.
 */
export function nameKeySql(columns: string[], unaccentSchema: string | null): string {
	const joined = `concat_ws(' ', ${columns.join(', ')})`;
	const plain = unaccentSchema
		? `${pg.escapeIdentifier(unaccentSchema)}.unaccent(${pg.escapeLiteral(`${pg.escapeIdentifier(unaccentSchema)}.unaccent`)}::regdictionary, ${joined})`
		: `translate(${joined}, ${pg.escapeLiteral(ACCENTED)}, ${pg.escapeLiteral(UNACCENTED)})`;
	return `nullif(btrim(regexp_replace(lower(${plain}), '[[:space:][:punct:]]+', ' ', 'g')), '')`;
}

/** The domain of a normalised email key: the block within which names are compared. */
export const emailDomainSql = (emailKey: string) => `split_part(${emailKey}, '@', 2)`;
