/**
 * A draft holds what an author is typing, valid or not; only its size is bounded. The bound sits
 * under adapter-node's default request body limit (512 KiB) with room for the JSON envelope.
 */
export const MAX_DRAFT_BYTES = 400_000;
/** The largest request body the draft route reads: anything longer is refused unread. */
export const MAX_DRAFT_REQUEST_BYTES = 512 * 1024;
