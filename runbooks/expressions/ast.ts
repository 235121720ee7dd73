import type { Root } from './context.ts';

export type Segment = string | number;
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed expression. `start`/`end` are offsets into the text it was parsed from. */
export type Expression =
	| { type: 'literal'; value: string | number | boolean | null; start: number; end: number }
	| { type: 'path'; root: Root; segments: Segment[]; start: number; end: number }
	| { type: 'not'; operand: Expression; start: number; end: number }
	| { type: 'logical'; operator: '&&' | '||'; left: Expression; right: Expression; start: number; end: number }
	| { type: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression; start: number; end: number };

export type PathExpression = Extract<Expression, { type: 'path' }>;
