import { wireKey } from '../../server/collab/flow-ydoc';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, ERROR_PORT, parsePortRef } from './graph-ports';
import { layoutByDepth } from './layout';
import type { CanvasEdge, CanvasNode, CatalogEntry, FlowDocument, Port } from './types';

/** Turns a flow document into canvas nodes and edges, with ports from the catalog. */
export function toCanvas(doc: FlowDocument, catalog: ReadonlyMap<string, CatalogEntry>): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const wired = wiredPorts(doc);
  const layout = doc.nodes.every((n) => n.position) ? null : layoutByDepth(doc.nodes, doc.wires);

  const nodes: CanvasNode[] = doc.nodes.map((n) => {
    const entry = catalog.get(n.type);
    const note = entry?.category === 'note' ? noteOf(n.config) : undefined;
    return {
      id: n.id,
      type: 'sluice',
      position: n.position ?? layout?.get(n.id) ?? { x: 0, y: 0 },
      // A note framing nodes (an imported Node-RED group) lies behind them.
      ...(note?.width ? { zIndex: -1 } : {}),
      data: {
        label: n.name || n.id,
        type: n.type,
        category: entry?.category ?? 'unknown',
        // A wire to a port the catalog does not list (unknown type, stale flow) still gets a handle to attach to.
        inputs: withWired(entry?.inputs ?? [], wired.inputs.get(n.id)),
        outputs: withWired(entry?.outputs ?? [], wired.outputs.get(n.id)),
        ...(entry ? { docs: entry.docs } : {}),
        ...(note ? { note } : {}),
      },
    };
  });

  const edges: CanvasEdge[] = doc.wires.map((w) => {
    const from = parsePortRef(w.from, DEFAULT_OUTPUT);
    const to = parsePortRef(w.to, DEFAULT_INPUT);
    return {
      id: wireKey(w),
      source: from.node,
      sourceHandle: from.port,
      target: to.node,
      targetHandle: to.port,
      className: from.port === ERROR_PORT ? 'sl-edge-error' : undefined,
    };
  });
  return { nodes, edges };
}

function noteOf(config: { [key: string]: unknown } | undefined): { text: string; width?: number; height?: number } {
  const c = config ?? {};
  const size = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
  const width = size(c.width);
  const height = size(c.height);
  return { text: typeof c.text === 'string' ? c.text : '', ...(width ? { width } : {}), ...(height ? { height } : {}) };
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

/**
 * Keeps the previous object of every node and edge that did not change, so memoised node components do not
 * re-render, and carries React Flow's own state (selection, measured size) over to the rebuilt ones.
 */
export function mergeCanvas(prevNodes: CanvasNode[], nodes: CanvasNode[], prevEdges: CanvasEdge[], edges: CanvasEdge[]): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const oldNodes = new Map(prevNodes.map((n) => [n.id, n]));
  const mergedNodes = nodes.map((n) => {
    const old = oldNodes.get(n.id);
    if (!old) return n;
    if (old.position.x === n.position.x && old.position.y === n.position.y && sameData(old.data, n.data)) return old;
    return { ...n, selected: old.selected, measured: old.measured };
  });
  const oldEdges = new Map(prevEdges.map((e) => [e.id, e]));
  const mergedEdges = edges.map((e) => oldEdges.get(e.id) ?? e);
  return { nodes: mergedNodes, edges: mergedEdges };
}

function sameData(a: CanvasNode['data'], b: CanvasNode['data']): boolean {
  return a.label === b.label && a.type === b.type && a.docs === b.docs
    && JSON.stringify(a.inputs) === JSON.stringify(b.inputs) && JSON.stringify(a.outputs) === JSON.stringify(b.outputs);
}
