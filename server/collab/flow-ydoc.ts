import * as Y from 'yjs';
import { DEFAULT_INPUT_PORT, DEFAULT_OUTPUT_PORT, parsePortRef, type FlowDocument, type FlowNode } from '../core/flow-format.js';

/*
 * The draft of a flow as a Yjs document, shared by the server (which seeds and saves it) and the editor
 * (which edits it). Nodes and wires are maps keyed by node id and by normalised wire, so concurrent adds of
 * the same wire collapse into one, and each node's config is a map of its top-level fields, so two people
 * editing different fields of one node both keep their change.
 */

type Wire = FlowDocument['wires'][number];
type JsonObject = { [key: string]: unknown };

export interface FlowMaps {
  meta: Y.Map<unknown>;
  nodes: Y.Map<Y.Map<unknown>>;
  wires: Y.Map<Wire>;
}

export function flowMaps(doc: Y.Doc): FlowMaps {
  return { meta: doc.getMap('meta'), nodes: doc.getMap('nodes'), wires: doc.getMap('wires') };
}

/** `node:port` on both ends, whichever form the document used. */
export function wireKey(w: Wire): string {
  const from = parsePortRef(w.from, DEFAULT_OUTPUT_PORT);
  const to = parsePortRef(w.to, DEFAULT_INPUT_PORT);
  return `${from.node}:${from.port}->${to.node}:${to.port}`;
}

/** The short form the demo flows use: the port is named only when it is not the default. */
export function makeWire(fromNode: string, fromPort: string, toNode: string, toPort: string): Wire {
  return {
    from: fromPort === DEFAULT_OUTPUT_PORT ? fromNode : `${fromNode}:${fromPort}`,
    to: toPort === DEFAULT_INPUT_PORT ? toNode : `${toNode}:${toPort}`,
  };
}

/** A node as a Y.Map; `order` keeps the document order of nodes stable across edits and exports. */
export function nodeToY(node: FlowNode, order: number): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('type', node.type);
  if (node.name !== undefined) map.set('name', node.name);
  const config = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(node.config ?? {})) config.set(k, v);
  map.set('config', config);
  if (node.retry !== undefined) map.set('retry', node.retry);
  if (node.position !== undefined) map.set('position', node.position);
  map.set('order', order);
  return map;
}

export function nodeFromY(id: string, map: Y.Map<unknown>): FlowNode {
  const node: FlowNode = { id, type: String(map.get('type')) };
  const name = map.get('name');
  if (typeof name === 'string' && name !== '') node.name = name;
  const config = map.get('config');
  if (config instanceof Y.Map) {
    const json = config.toJSON() as JsonObject;
    if (Object.keys(json).length > 0) node.config = json;
  }
  const retry = map.get('retry') as FlowNode['retry'] | undefined;
  if (retry && Object.keys(retry).length > 0) node.retry = retry;
  const position = map.get('position') as FlowNode['position'] | undefined;
  if (position) node.position = { x: Math.round(position.x), y: Math.round(position.y) };
  return node;
}

/** Replaces the whole content; the caller wraps it in a transaction with its origin. */
export function writeFlow(doc: Y.Doc, flow: FlowDocument): void {
  const { meta, nodes, wires } = flowMaps(doc);
  meta.clear();
  meta.set('id', flow.id);
  if (flow.name !== undefined) meta.set('name', flow.name);
  if (flow.description !== undefined) meta.set('description', flow.description);
  if (flow.settings !== undefined) meta.set('settings', flow.settings);
  nodes.clear();
  flow.nodes.forEach((n, i) => nodes.set(n.id, nodeToY(n, i)));
  wires.clear();
  for (const w of flow.wires) wires.set(wireKey(w), { from: w.from, to: w.to });
}

export function readFlow(doc: Y.Doc): FlowDocument {
  const { meta, nodes, wires } = flowMaps(doc);
  const flow: FlowDocument = { sluice: 1, id: String(meta.get('id') ?? ''), nodes: [], wires: [] };
  const name = meta.get('name');
  if (typeof name === 'string') flow.name = name;
  const description = meta.get('description');
  if (typeof description === 'string') flow.description = description;
  const settings = meta.get('settings') as FlowDocument['settings'];
  if (settings) flow.settings = settings;
  const ordered = [...nodes.entries()].sort(([a, am], [b, bm]) => orderOf(am) - orderOf(bm) || (a < b ? -1 : a > b ? 1 : 0));
  flow.nodes = ordered.map(([id, map]) => nodeFromY(id, map));
  // Wires in a stable order, so every replica exports the same document.
  flow.wires = [...wires.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, w]) => ({ from: w.from, to: w.to }));
  return flow;
}

function orderOf(map: Y.Map<unknown>): number {
  const order = map.get('order');
  return typeof order === 'number' ? order : Number.MAX_SAFE_INTEGER;
}

/** The next `order` for a node added now. */
export function nextOrder(nodes: Y.Map<Y.Map<unknown>>): number {
  let max = -1;
  for (const map of nodes.values()) max = Math.max(max, orderOf(map) === Number.MAX_SAFE_INTEGER ? -1 : orderOf(map));
  return max + 1;
}
