import { makeWire, nextOrder, nodeToY, wireKey, writeFlow } from '../../../server/collab/flow-ydoc';
import * as Y from 'yjs';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, parsePortRef } from '../graph-ports';
import type { FlowDocument, FlowNodeDoc, Position } from '../types';
import type { FlowSession } from './session';

/* Every change the editor makes to a draft, each one undoable step of this tab. */

/** A node id from the type name, unique in the flow: `validate`, `validate-2`, … */
export function freshId(base: string, taken: (id: string) => boolean): string {
  const stem = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'node';
  if (!taken(stem)) return stem;
  for (let i = 2; ; i++) if (!taken(`${stem}-${i}`)) return `${stem}-${i}`;
}

export function addNode(session: FlowSession, type: string, position: Position): string {
  let id = '';
  session.edit(({ nodes }) => {
    id = freshId(type, (c) => nodes.has(c));
    nodes.set(id, nodeToY({ id, type, position: roundPosition(position) }, nextOrder(nodes)));
  });
  return id;
}

export function moveNodes(session: FlowSession, moves: { id: string; position: Position }[]): void {
  session.edit(({ nodes }) => {
    for (const m of moves) nodes.get(m.id)?.set('position', roundPosition(m.position));
  });
}

/** Removes the nodes with every wire touching them, and the given wires. */
export function removeElements(session: FlowSession, nodeIds: string[], wireKeys: string[]): void {
  if (nodeIds.length === 0 && wireKeys.length === 0) return;
  const gone = new Set(nodeIds);
  session.edit(({ nodes, wires }) => {
    for (const id of nodeIds) nodes.delete(id);
    for (const [key, w] of [...wires.entries()]) {
      if (wireKeys.includes(key) || gone.has(parsePortRef(w.from, DEFAULT_OUTPUT).node) || gone.has(parsePortRef(w.to, DEFAULT_INPUT).node)) wires.delete(key);
    }
  });
}

export function addWire(session: FlowSession, from: { node: string; port: string }, to: { node: string; port: string }): void {
  const wire = makeWire(from.node, from.port, to.node, to.port);
  session.edit(({ wires }) => wires.set(wireKey(wire), wire));
}

export function setNodeName(session: FlowSession, id: string, name: string): void {
  session.edit(({ nodes }) => {
    const node = nodes.get(id);
    if (!node) return;
    if (name === '') node.delete('name');
    else node.set('name', name);
  }, true);
}

/** Sets one top-level config field; undefined removes it, so the type's default applies. */
export function setConfigField(session: FlowSession, id: string, key: string, value: unknown): void {
  session.edit(({ nodes }) => {
    const node = nodes.get(id);
    if (!node) return;
    let config = node.get('config');
    if (!(config instanceof Y.Map)) {
      config = new Y.Map<unknown>();
      node.set('config', config);
    }
    const map = config as Y.Map<unknown>;
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }, true);
}

export function setRetry(session: FlowSession, id: string, retry: FlowNodeDoc['retry'] | undefined): void {
  session.edit(({ nodes }) => {
    const node = nodes.get(id);
    if (!node) return;
    if (retry === undefined || Object.keys(retry).length === 0) node.delete('retry');
    else node.set('retry', retry);
  }, true);
}

/** Replaces the whole draft (an import into the open flow); the flow keeps its id. */
export function replaceFlow(session: FlowSession, flow: FlowDocument, flowId: string): void {
  session.edit(() => writeFlow(session.doc, { ...flow, id: flowId }));
}

/**
 * Adds copied nodes (and the wires between them) under fresh ids, shifted by `offset`; returns the new ids.
 * Wires to nodes that were not copied are left out.
 */
export function pasteNodes(session: FlowSession, fragment: Pick<FlowDocument, 'nodes' | 'wires'>, offset: Position): string[] {
  const renamed = new Map<string, string>();
  session.edit(({ nodes, wires }) => {
    let order = nextOrder(nodes);
    for (const n of fragment.nodes) {
      const id = freshId(n.id, (c) => nodes.has(c) || [...renamed.values()].includes(c));
      renamed.set(n.id, id);
      const at = n.position ?? { x: 0, y: 0 };
      nodes.set(id, nodeToY({ ...n, id, position: roundPosition({ x: at.x + offset.x, y: at.y + offset.y }) }, order++));
    }
    for (const w of fragment.wires) {
      const from = parsePortRef(w.from, DEFAULT_OUTPUT);
      const to = parsePortRef(w.to, DEFAULT_INPUT);
      const a = renamed.get(from.node);
      const b = renamed.get(to.node);
      if (!a || !b) continue;
      const wire = makeWire(a, from.port, b, to.port);
      wires.set(wireKey(wire), wire);
    }
  });
  return [...renamed.values()];
}

function roundPosition(p: Position): Position {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}
