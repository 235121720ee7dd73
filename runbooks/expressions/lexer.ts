/** Splits expression text into tokens. The quoting rules live here so scan.ts finds `}}` the way the lexer reads strings. */

import { ExpressionError } from './error.ts';

export type Token =
	| { kind: 'number'; value: number; start: number; end: number }
	| { kind: 'string'; value: string; start: number; end: number }
	| { kind: 'name'; value: string; start: number; end: number }
	| { kind: 'punct'; value: string; start: number; end: number }
	| { kind: 'end'; value: ''; start: number; end: number };

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_-]/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '.', '[', ']'];
/**
 * `a || b || …` parses in a loop but builds a tree as deep as it is long, which evaluation and
 * checks then walk recursively: a 100,000-term expression would overflow the stack. No condition
 * a person writes comes near this bound.
 */
export const MAX_TOKENS = 1000;

export function tokenize(text: string, base: number): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
			i++;
			continue;
		}
		const start = base + i;
		if (tokens.length === MAX_TOKENS) throw new ExpressionError(`the expression is too long: at most ${MAX_TOKENS} names, values and operators`, start);
		if (c === "'" || c === '"') {
			const end = quotedEnd(text, i);
			if (end === undefined) throw new ExpressionError(`this string is never closed with ${c}`, start);
			tokens.push({ kind: 'string', value: unquote(text.slice(i, end), start), start, end: base + end });
			i = end;
			continue;
		}
		const number = c === '-' || (c >= '0' && c <= '9') ? NUMBER.exec(text.slice(i)) : null;
		if (number) {
			tokens.push({ kind: 'number', value: Number(number[0]), start, end: start + number[0].length });
			i += number[0].length;
			continue;
		}
		if (NAME_START.test(c)) {
			let j = i + 1;
			while (j < text.length && NAME_PART.test(text[j])) j++;
			tokens.push({ kind: 'name', value: text.slice(i, j), start, end: base + j });
			i = j;
			continue;
		}
		const punct = PUNCT.find((p) => text.startsWith(p, i));
		if (punct) {
			tokens.push({ kind: 'punct', value: punct, start, end: start + punct.length });
			i += punct.length;
			continue;
		}
		if (c === '=') throw new ExpressionError('use == to compare (= alone assigns, which expressions never do)', start);
		if (c === '&' || c === '|') throw new ExpressionError(`use ${c}${c} for ${c === '&' ? 'and' : 'or'}`, start);
		throw new ExpressionError(`unexpected character "${c}": expressions hold paths, literals, comparisons, !, && and || only`, start);
	}
	tokens.push({ kind: 'end', value: '', start: base + text.length, end: base + text.length });
	return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\', '/': '/' };

function unquote(literal: string, start: number): string {
	const body = literal.slice(1, -1);
	if (literal[0] === "'") return body.replaceAll("''", "'");
	let out = '';
	for (let i = 0; i < body.length; i++) {
		if (body[i] !== '\\') {
			out += body[i];
			continue;
		}
		const escaped = ESCAPES[body[i + 1]];
		if (escaped === undefined) throw new ExpressionError(`unknown escape \\${body[i + 1] ?? ''} in a string`, start + 1 + i);
		out += escaped;
		i++;
	}
	return out;
}

/** The offset just past the quoted literal opening at `i`, or undefined when it never closes. */
export function quotedEnd(text: string, i: number): number | undefined {
	const quote = text[i];
	let j = i + 1;
	while (j < text.length) {
		if (quote === '"' && text[j] === '\\') j += 2;
		else if (text[j] === quote) {
			if (quote === "'" && text[j + 1] === "'") j += 2;
			else return j + 1;
		} else j++;
	}
	return undefined;
}

/** Names a token for an error message. */
export function describe(token: Token): string {
	if (token.kind === 'end') return 'the end of the expression';
	if (token.kind === 'string') return 'a string';
	if (token.kind === 'number') return `the number ${token.value}`;
	return `"${token.value}"`;
}
