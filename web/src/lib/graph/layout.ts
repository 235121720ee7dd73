import dagre from '@dagrejs/dagre';

/**
 * Left-to-right positions for a step graph (dagre's layered layout), shared by the builder's canvas
 * and the run page. Nodes are laid out at a fixed size so the layout needs no DOM measurement and
 * renders the same on the server.
 */
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 64;

export interface LayoutEdge {
	source: string;
	target: string;
}

/** `direction` defaults to left-to-right; the builder, in a narrower column, lays out top-to-bottom. */
export function layoutGraph(
	nodeIds: readonly string[],
	edges: readonly LayoutEdge[],
	options: { rankGap?: number; nodeGap?: number; direction?: 'LR' | 'TB' } = {}
): Map<string, { x: number; y: number }> {
	const graph = new dagre.graphlib.Graph();
	graph.setGraph({ rankdir: options.direction ?? 'LR', ranksep: options.rankGap ?? 56, nodesep: options.nodeGap ?? 24, marginx: 16, marginy: 16 });
	graph.setDefaultEdgeLabel(() => ({}));
	for (const id of nodeIds) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
	const known = new Set(nodeIds);
	for (const edge of edges) if (known.has(edge.source) && known.has(edge.target)) graph.setEdge(edge.source, edge.target);
	dagre.layout(graph);
	const positions = new Map<string, { x: number; y: number }>();
	for (const id of nodeIds) {
		const node = graph.node(id);
		// dagre gives centres; Svelte Flow places nodes by their top-left corner.
		positions.set(id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
	}
	return positions;
}
