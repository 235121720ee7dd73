/** What the run page's actions answer (see +page.server.ts): `key` says which form it belongs to. */
export interface ActionResult {
	key?: string;
	outcome?: string;
	failed?: boolean;
	/** The workflow's own reason for a refusal: it names steps and people, and stays as written. */
	detail?: string;
	approvals?: number;
	quorum?: number;
}

export type FormResult = ActionResult | null | undefined;
