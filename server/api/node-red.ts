/** Recognises a Node-RED export: an array of nodes (or `{ flows: [...] }`) where nodes have `type` and `z` or `wires`. */
export function nodeRedNodes(body: unknown): { type: string }[] | undefined {
  const list = Array.isArray(body)
    ? body
    : body !== null && typeof body === 'object' && Array.isArray((body as { flows?: unknown }).flows)
      ? (body as { flows: unknown[] }).flows
      : undefined;
  if (!list || list.length === 0) return undefined;
  const nodes = list.filter((n): n is { type: string } => n !== null && typeof n === 'object' && typeof (n as { type?: unknown }).type === 'string');
  if (nodes.length !== list.length) return undefined;
  const wired = nodes.some((n) => 'z' in n || Array.isArray((n as { wires?: unknown }).wires));
  return wired ? nodes : undefined;
}

export function nodeRedMessage(nodes: { type: string }[]): string {
  const types = [...new Set(nodes.map((n) => n.type).filter((t) => t !== 'tab'))].sort();
  return 'This is a Node-RED export; importing Node-RED flows is not supported yet — rebuild the flow from the '
    + 'Sluice palette or write a Sluice flow document (JSON Schema at GET /api/schema/flow). '
    + `The export holds ${nodes.length} Node-RED nodes of types: ${types.join(', ') || 'none'}.`;
}
