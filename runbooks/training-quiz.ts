import type { Quiz, TrainingModuleDocument } from './training-schema.ts';

/**
 * Grading happens here, on the server, and nowhere else: the browser gets the quiz without its
 * answers (learnerQuiz) and sends back option ids.
 */

/** The answers a person gives: per question id, the option ids chosen. */
export type QuizAnswers = Record<string, string[]>;

export interface QuizGrade {
	/** Percent of questions answered exactly right, rounded down. */
	score: number;
	passed: boolean;
	/** Per question: right or not (which options were right is not told, so a retake is not a copy). */
	results: Array<{ question: string; correct: boolean }>;
}

/** A question counts when the set of chosen options equals the set of correct ones. */
export function gradeQuiz(quiz: Quiz, answers: QuizAnswers): QuizGrade {
	const results = quiz.questions.map((q) => {
		const chosen = new Set(Object.hasOwn(answers, q.id) ? answers[q.id] : []);
		const correct = q.options.filter((o) => o.correct).map((o) => o.id);
		const right = chosen.size === correct.length && correct.every((id) => chosen.has(id));
		return { question: q.id, correct: right };
	});
	const score = Math.floor((100 * results.filter((r) => r.correct).length) / results.length);
	return { score, passed: score >= quiz.passMark, results };
}

/** Answer ids that name no question or option of the quiz, as `path: message` pairs for a 422. */
export function unknownAnswers(quiz: { questions: ReadonlyArray<{ id: string; type: 'single' | 'multiple'; options: ReadonlyArray<{ id: string }> }> } | undefined, answers: QuizAnswers): Array<{ path: string; message: string }> {
	const problems: Array<{ path: string; message: string }> = [];
	const questions = new Map((quiz?.questions ?? []).map((q) => [q.id, q]));
	for (const [id, chosen] of Object.entries(answers)) {
		const q = questions.get(id);
		if (!q) {
			problems.push({ path: `answers.${id}`, message: `no question "${id}" in this module's quiz` });
			continue;
		}
		if (q.type === 'single' && chosen.length > 1) problems.push({ path: `answers.${id}`, message: 'is a single-choice question: choose one option' });
		chosen.forEach((option, i) => {
			if (!q.options.some((o) => o.id === option)) problems.push({ path: `answers.${id}[${i}]`, message: `no option "${option}" in question "${id}"` });
		});
	}
	return problems;
}

export interface LearnerQuestion {
	id: string;
	text: string;
	type: 'single' | 'multiple';
	options: Array<{ id: string; text: string }>;
}

export interface LearnerQuiz {
	passMark: number;
	attempts: number;
	questions: LearnerQuestion[];
}

/** The quiz as the browser may see it: every `correct` flag removed. */
export function learnerQuiz(quiz: Quiz | undefined): LearnerQuiz | null {
	if (!quiz) return null;
	return {
		passMark: quiz.passMark,
		attempts: quiz.attempts,
		questions: quiz.questions.map((q) => ({ id: q.id, text: q.text, type: q.type, options: q.options.map((o) => ({ id: o.id, text: o.text })) }))
	};
}

/** A module without a quiz is completed by confirming it was read: one attempt, full marks. */
export function gradeModule(document: TrainingModuleDocument, answers: QuizAnswers): QuizGrade {
	return document.spec.quiz ? gradeQuiz(document.spec.quiz, answers) : { score: 100, passed: true, results: [] };
}
