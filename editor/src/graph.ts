import { DEFAULT_INPUT, DEFAULT_OUTPUT, ERROR_PORT, parsePortRef } from './graph-ports';
import { layoutByDepth } from './layout';
import type { CanvasEdge, CanvasNode, CatalogEntry, FlowDocument, Port } from './types';

/** Turns a flow document into canvas nodes and edges, with ports from the catalog. */
export function toCanvas(doc: FlowDocument, catalog: ReadonlyMap<string, CatalogEntry>): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const wired = wiredPorts(doc);
  const layout = doc.nodes.every((n) => n.position) ? null : layoutByDepth(doc.nodes, doc.wires);

  const nodes: CanvasNode[] = doc.nodes.map((n) => {
    const entry = catalog.get(n.type);
    return {
      id: n.id,
      type: 'sluice',
      position: n.position ?? layout?.get(n.id) ?? { x: 0, y: 0 },
      data: {
        label: n.name || n.id,
        type: n.type,
        category: entry?.category ?? 'unknown',
        // A wire to a port the catalog does not list (unknown type, stale flow) still gets a handle to attach to.
        inputs: withWired(entry?.inputs ?? [], wired.inputs.get(n.id)),
        outputs: withWired(entry?.outputs ?? [], wired.outputs.get(n.id)),
        ...(entry ? { docs: entry.docs } : {}),
      },
    };
  });

  const edges: CanvasEdge[] = doc.wires.map((w, i) => {
    const from = parsePortRef(w.from, DEFAULT_OUTPUT);
    const to = parsePortRef(w.to, DEFAULT_INPUT);
    return {
      // The index keeps ids unique even when a document repeats a wire.
      id: `${i}:${w.from}->${w.to}`,
      source: from.node,
      sourceHandle: from.port,
      target: to.node,
      targetHandle: to.port,
      className: from.port === ERROR_PORT ? 'sl-edge-error' : undefined,
    };
  });
  return { nodes, edges };
}

function wiredPorts(doc: FlowDocument): { inputs: Map<string, Set<string>>; outputs: Map<string, Set<string>> } {
  const inputs = new Map<string, Set<string>>();
  const outputs = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, node: string, port: string) => {
    let ports = map.get(node);
    if (!ports) map.set(node, (ports = new Set()));
    ports.add(port);
  };
  for (const w of doc.wires) {
    const from = parsePortRef(w.from, DEFAULT_OUTPUT);
    const to = parsePortRef(w.to, DEFAULT_INPUT);
    add(outputs, from.node, from.port);
    add(inputs, to.node, to.port);
  }
  return { inputs, outputs };
}

function withWired(ports: Port[], wired: Set<string> | undefined): Port[] {
  if (!wired) return ports;
  const known = new Set(ports.map((p) => p.name));
  const extra = [...wired].filter((name) => !known.has(name)).map((name) => ({ name, description: 'not declared by the node type' }));
  return extra.length ? [...ports, ...extra] : ports;
}
