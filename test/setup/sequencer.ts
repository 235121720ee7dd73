import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that act on the shared integration stack with everything the API allows (schemathesis
 * starts runs, emergency stops and schedules as it sees fit) run after every other file, so none
 * of those can meet a state such a run left behind.
 */
const LAST = ['test/integration/api-schemathesis.test.ts'];

export class LastFilesSequencer extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const sorted = await super.sort(files);
		const isLast = (file: TestSpecification) => LAST.some((path) => file.moduleId.endsWith(path));
		return [...sorted.filter((file) => !isLast(file)), ...sorted.filter(isLast)];
	}
}
