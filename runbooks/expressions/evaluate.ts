import type { Expression, Segment } from './ast.ts';
import type { ExpressionContext } from './context.ts';

/** JavaScript's truthiness over plain data: false, 0, NaN, '', null and a missing value are false. */
export function truthy(value: unknown): boolean {
	return !(value === false || value === 0 || value === '' || value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)));
}

function read(value: unknown, key: Segment): unknown {
	// Own properties only: `inputs.constructor` or `__proto__` must not reach into the prototype chain.
	if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
	return (value as Record<Segment, unknown>)[key];
}

const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Numbers and numeric strings meet as numbers: PostgreSQL hands bigint and numeric columns over as text. */
function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value);
	return undefined;
}

function equal(a: unknown, b: unknown): boolean {
	const left = a === undefined ? null : a;
	const right = b === undefined ? null : b;
	if (left === right) return true;
	if (typeof left === 'number' || typeof right === 'number') {
		const x = asNumber(left);
		const y = asNumber(right);
		return x !== undefined && y !== undefined && x === y;
	}
	if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
	if (Array.isArray(left) !== Array.isArray(right)) return false;
	const keys = Object.keys(left);
	if (keys.length !== Object.keys(right).length) return false;
	return keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && equal(read(left, key), read(right, key)));
}

/** Two strings compare by code unit (never by locale, which differs between machines); otherwise both must be numbers. */
function order(operator: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
	let sign: number;
	if (typeof a === 'string' && typeof b === 'string') sign = a < b ? -1 : a > b ? 1 : 0;
	else {
		const x = asNumber(a);
		const y = asNumber(b);
		if (x === undefined || y === undefined || (typeof a !== 'number' && typeof b !== 'number') || Number.isNaN(x) || Number.isNaN(y)) return false;
		sign = x < y ? -1 : x > y ? 1 : 0;
	}
	if (operator === '<') return sign < 0;
	if (operator === '<=') return sign <= 0;
	if (operator === '>') return sign > 0;
	return sign >= 0;
}

/** Evaluates a parsed expression against the run's context. Never throws: a missing value reads as undefined. */
export function evaluate(expression: Expression, context: ExpressionContext): unknown {
	switch (expression.type) {
		case 'literal':
			return expression.value;
		case 'path': {
			let value: unknown = read(context, expression.root);
			for (const key of expression.segments) value = read(value, key);
			return value;
		}
		case 'not':
			return !truthy(evaluate(expression.operand, context));
		case 'logical': {
			const left = evaluate(expression.left, context);
			if (expression.operator === '&&') return truthy(left) ? evaluate(expression.right, context) : left;
			return truthy(left) ? left : evaluate(expression.right, context);
		}
		case 'compare': {
			const left = evaluate(expression.left, context);
			const right = evaluate(expression.right, context);
			if (expression.operator === '==') return equal(left, right);
			if (expression.operator === '!=') return !equal(left, right);
			return order(expression.operator, left, right);
		}
	}
}
