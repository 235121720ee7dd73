export class ExpressionError extends Error {
	override name = 'ExpressionError';
	/** Where the problem is, counted in characters from the start of the text that was parsed. */
	readonly offset: number;
	constructor(message: string, offset = 0) {
		super(message);
		this.offset = offset;
	}
}
