/**
 * `${{ }}` expressions (DESIGN §3): paths into the run's context (`a.b`, `a[0]`, `a['odd key']`),
 * literals (strings, numbers, true, false, null), comparisons (== != < <= > >=), `!`, `&&`, `||`
 * and parentheses. The text is parsed by hand into a small tree that is evaluated by walking plain
 * data — never eval or Function — and nothing under expressions/ touches the clock, randomness or
 * Node built-ins: these modules run inside Temporal's workflow sandbox, where the same run must
 * give the same value on every replay. They import only one another.
 *
 * This file is the public entry; the parts live in expressions/: scan (where expressions are in a
 * string), lexer and parser (text to tree), evaluate (tree to value), interpolate (strings and
 * nested data), find (what a runbook's expressions read, for validation).
 */

export { CONTEXT_FIELDS, ROOTS, type ExpressionContext, type Root } from './expressions/context.ts';
export { ExpressionError } from './expressions/error.ts';
export type { ComparisonOperator, Expression, PathExpression, Segment } from './expressions/ast.ts';
export { isSingleExpression, replaceExpressions, scanExpressions, type ExpressionSpan } from './expressions/scan.ts';
export { expressionPaths, parseExpression, parsePath } from './expressions/parser.ts';
export { evaluate, truthy } from './expressions/evaluate.ts';
export { evaluateString, resolveExpressions } from './expressions/interpolate.ts';
export { findExpressions, type FoundExpression } from './expressions/find.ts';
