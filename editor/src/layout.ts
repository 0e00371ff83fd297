import type { FlowNodeDoc, Position, Wire } from './types';
import { parsePortRef } from './graph-ports';

const ORIGIN = { x: 80, y: 80 };
const COLUMN_WIDTH = 280;
const ROW_HEIGHT = 170;

/**
 * Left-to-right layout by topological depth (longest path from a node without inputs), used for
 * nodes whose document has no `position`: imported or hand-written flows still read in wire order.
 */
export function layoutByDepth(nodes: FlowNodeDoc[], wires: Wire[]): Map<string, Position> {
  const ids = new Set(nodes.map((n) => n.id));
  const successors = new Map<string, string[]>();
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const w of wires) {
    const from = parsePortRef(w.from, 'out').node;
    const to = parsePortRef(w.to, 'in').node;
    if (!ids.has(from) || !ids.has(to) || from === to) continue;
    successors.set(from, [...(successors.get(from) ?? []), to]);
    indegree.set(to, (indegree.get(to) ?? 0) + 1);
  }

  const depth = new Map<string, number>();
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) depth.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const next of successors.get(id) ?? []) {
      depth.set(next, Math.max(depth.get(next) ?? 0, (depth.get(id) ?? 0) + 1));
      const left = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }

  // Nodes on a cycle never reach indegree 0 (a deploy refuses cycles, a draft may have one): one column after the rest.
  const deepest = Math.max(0, ...depth.values());
  const columns = new Map<number, number>();
  const positions = new Map<string, Position>();
  for (const n of nodes) {
    const column = depth.get(n.id) ?? deepest + 1;
    const row = columns.get(column) ?? 0;
    columns.set(column, row + 1);
    positions.set(n.id, { x: ORIGIN.x + column * COLUMN_WIDTH, y: ORIGIN.y + row * ROW_HEIGHT });
  }
  return positions;
}
