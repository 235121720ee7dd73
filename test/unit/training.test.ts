import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../web/src/lib/server/markdown.ts';
import { addIsoDuration, parseIsoDuration } from '../../runbooks/iso-duration.ts';
import { parseDocument, parseTrainingModule } from '../../runbooks/parse.ts';
import { gradeQuiz, learnerQuiz, unknownAnswers } from '../../runbooks/training-quiz.ts';
import type { TrainingModuleDocument } from '../../runbooks/training-schema.ts';
import { cyclePlan, dueDate, expiryOf } from '../../shared/training-store.ts';

const MODULE = `apiVersion: tend/v1
kind: TrainingModule
metadata: { name: restore-101, title: Restore 101 }
spec:
  estimatedMinutes: 10
  validity: P12M
  due: P14D
  reminders: [P3D, P1D]
  content: |
    # Restores
    Read this <script>alert(1)</script> first.
  quiz:
    passMark: 50
    attempts: 2
    questions:
      - id: one
        text: Pick a
        options: [{ id: a, text: A, correct: true }, { id: b, text: B }]
      - id: many
        text: Pick a and c
        type: multiple
        options: [{ id: a, text: A, correct: true }, { id: b, text: B }, { id: c, text: C, correct: true }]
`;

function module(): TrainingModuleDocument {
	const parsed = parseTrainingModule(MODULE);
	if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
	return parsed.document;
}

describe('TrainingModule documents', () => {
	it('parses a valid module with defaults, and as any document by its kind', () => {
		expect(module().spec).toMatchObject({ audience: [], links: [], quiz: { passMark: 50, attempts: 2 } });
		expect(parseDocument(MODULE)).toMatchObject({ ok: true, kind: 'TrainingModule' });
	});

	it('names each mistake with its path, line and column', () => {
		const bad = MODULE.replace('validity: P12M', 'validity: 12 months').replace('{ id: b, text: B }]\n      - id: many', '{ id: a, text: B }]\n      - id: many');
		const parsed = parseTrainingModule(bad);
		expect(parsed.ok).toBe(false);
		if (parsed.ok) return;
		expect(parsed.errors).toEqual([
			{ path: 'spec.validity', line: 6, column: 13, message: 'must be an ISO 8601 duration such as P12M, P14D or PT12H' },
			{ path: 'spec.quiz.questions[0].options[1].id', line: 18, column: 60, message: 'option id "a" is used twice in this question' }
		]);
	});

	it('refuses a single-choice question without exactly one right option', () => {
		const parsed = parseTrainingModule(MODULE.replace('{ id: b, text: B }]\n      - id: many', '{ id: b, text: B, correct: true }]\n      - id: many'));
		expect(parsed.ok ? [] : parsed.errors.map((e) => [e.path, e.message])).toEqual([['spec.quiz.questions[0].options', 'a single-choice question needs exactly one correct option (it has 2)']]);
	});
});

describe('the quiz', () => {
	it('grades on exact sets of options and passes at the pass mark', () => {
		const quiz = module().spec.quiz!;
		expect(gradeQuiz(quiz, { one: ['a'], many: ['c', 'a'] })).toEqual({ score: 100, passed: true, results: [{ question: 'one', correct: true }, { question: 'many', correct: true }] });
		expect(gradeQuiz(quiz, { one: ['a'], many: ['a'] })).toMatchObject({ score: 50, passed: true });
		expect(gradeQuiz(quiz, { one: ['b'], many: ['a', 'b', 'c'] })).toMatchObject({ score: 0, passed: false });
		expect(gradeQuiz(quiz, {})).toMatchObject({ score: 0, passed: false });
	});

	it('sends the browser no answers', () => {
		const shown = JSON.stringify(learnerQuiz(module().spec.quiz));
		expect(shown).not.toContain('correct');
		expect(learnerQuiz(module().spec.quiz)?.questions[1]).toEqual({ id: 'many', text: 'Pick a and c', type: 'multiple', options: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }, { id: 'c', text: 'C' }] });
	});

	it('names answers that fit no question or option', () => {
		expect(unknownAnswers(module().spec.quiz, { one: ['a', 'b'], nope: ['a'], many: ['z'] })).toEqual([
			{ path: 'answers.one', message: 'is a single-choice question: choose one option' },
			{ path: 'answers.nope', message: 'no question "nope" in this module\'s quiz' },
			{ path: 'answers.many[0]', message: 'no option "z" in question "many"' }
		]);
	});
});

describe('dates of an assignment', () => {
	it('reads ISO 8601 durations and adds calendar months', () => {
		expect(parseIsoDuration('P1Y2M3DT4H5M6S')).toEqual({ years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6 });
		for (const bad of ['P', 'PT', '12M', 'P1.5D', 'P1DT']) expect(parseIsoDuration(bad), bad).toBeNull();
		expect(addIsoDuration(new Date('2026-01-31T10:00:00Z'), 'P1M').toISOString()).toBe('2026-02-28T10:00:00.000Z');
		expect(addIsoDuration(new Date('2024-02-29T00:00:00Z'), 'P12M').toISOString()).toBe('2025-02-28T00:00:00.000Z');
		expect(addIsoDuration(new Date('2026-03-10T00:00:00Z'), 'P3D', -1).toISOString()).toBe('2026-03-07T00:00:00.000Z');
	});

	it('plans a cycle: due, reminders still ahead, and when a completion expires', () => {
		const now = new Date('2026-06-01T00:00:00Z');
		const due = dueDate(module(), undefined, now);
		expect(due.toISOString()).toBe('2026-06-15T00:00:00.000Z');
		expect(dueDate(module(), 'P7D', now).toISOString()).toBe('2026-06-08T00:00:00.000Z');
		expect(dueDate(module(), '2026-07-01T12:00:00Z', now).toISOString()).toBe('2026-07-01T12:00:00.000Z');
		expect(cyclePlan(module(), due, now).reminderAt.map((at) => new Date(at).toISOString())).toEqual(['2026-06-12T00:00:00.000Z', '2026-06-14T00:00:00.000Z']);
		// Due in two days: the three-day reminder is already past and is not sent late.
		expect(cyclePlan(module(), new Date('2026-06-03T00:00:00Z'), now).reminderAt.map((at) => new Date(at).toISOString())).toEqual(['2026-06-02T00:00:00.000Z']);
		expect(expiryOf(module(), now)?.toISOString()).toBe('2027-06-01T00:00:00.000Z');
	});
});

describe('module content', () => {
	it('renders Markdown with no script, handler or javascript: link', () => {
		const html = renderMarkdown('# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) [docs](https://example.com/a)\n\n**bold**');
		expect(html).toContain('<h1>Title</h1>');
		expect(html).toContain('<strong>bold</strong>');
		expect(html).not.toMatch(/<script|<img|<[^>]* onerror=|href="javascript/i);
		expect(html).toContain('&lt;script&gt;');
		expect(html).toContain('<a href="https://example.com/a" rel="noopener noreferrer nofollow" target="_blank">docs</a>');
	});
});
