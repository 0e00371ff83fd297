import type { FlowDocument } from '../../server/core/flow-format.js';
import { DEFAULT_INPUT_PORT, DEFAULT_OUTPUT_PORT, parsePortRef } from '../../server/core/flow-format.js';
import type { NodeRegistry } from '../../server/core/registry.js';

/*
 * The editor's node boxes in flow coordinates (editor/src/nodes.css), as flow-layout.test.ts checks them
 * against the rendered editor: 196 px wide; a header, one 22 px row per port row (inputs beside outputs),
 * and while the flow runs a row of health figures.
 */
export const NODE_WIDTH = 196;
const HEADER = 53;
const ROW = 22;
const HEALTH = 22;
/** The centre of the first port row's handles, from the node's top. */
const FIRST_HANDLE = 61;

export interface Box { id: string; x: number; y: number; width: number; height: number; inputs: string[]; outputs: string[] }

/** Every node's box, as tall as it is with live counters (a deployed flow), with its ports in order. */
export function nodeBoxes(doc: FlowDocument, registry: NodeRegistry, live = true): Box[] {
  return doc.nodes.map((n) => {
    const registered = registry.get(n.type);
    const inputs = [...(registered?.inputs ?? [])];
    const outputs = [...(registered?.outputs ?? [])];
    // As the editor does (graph.ts): the catalog's ports, then wired ones it does not list (a function's own outputs).
    for (const w of doc.wires) {
      const from = parsePortRef(w.from, DEFAULT_OUTPUT_PORT);
      const to = parsePortRef(w.to, DEFAULT_INPUT_PORT);
      if (from.node === n.id && !outputs.includes(from.port)) outputs.push(from.port);
      if (to.node === n.id && !inputs.includes(to.port)) inputs.push(to.port);
    }
    const rows = Math.max(inputs.length, outputs.length);
    const at = n.position ?? { x: 0, y: 0 };
    return { id: n.id, x: at.x, y: at.y, width: NODE_WIDTH, height: HEADER + ROW * rows + (live ? HEALTH : 0), inputs, outputs };
  });
}

/** Where a wire leaves (an output handle, right edge) or arrives (an input handle, left edge). */
export function handlePoint(box: Box, port: string, side: 'output' | 'input'): { x: number; y: number } {
  const row = (side === 'output' ? box.outputs : box.inputs).indexOf(port);
  return { x: side === 'output' ? box.x + box.width : box.x, y: box.y + FIRST_HANDLE + ROW * Math.max(0, row) };
}

/** Points along React Flow's default (bezier) edge between two handles, right to left (getBezierPath, curvature 0.25). */
export function wirePoints(a: { x: number; y: number }, b: { x: number; y: number }, samples = 40): { x: number; y: number }[] {
  const offset = (d: number) => (d >= 0 ? 0.5 * d : 0.25 * 25 * Math.sqrt(-d));
  const c1 = { x: a.x + offset(b.x - a.x), y: a.y };
  const c2 = { x: b.x - offset(b.x - a.x), y: b.y };
  return Array.from({ length: samples + 1 }, (_, i) => {
    const t = i / samples;
    const u = 1 - t;
    return {
      x: u ** 3 * a.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t ** 3 * b.x,
      y: u ** 3 * a.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t ** 3 * b.y,
    };
  });
}

/** Room left between two boxes, so neighbours read as two nodes and a wire fits between them. */
const GAP = 16;
/** A wire may touch a box's edge (antialiasing, rounding); past this inside it, it runs behind the node. */
const INSET = 3;

const overlap = (a: Box, b: Box, gap: number) =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
const inside = (p: { x: number; y: number }, b: Box) =>
  p.x > b.x + INSET && p.x < b.x + b.width - INSET && p.y > b.y + INSET && p.y < b.y + b.height - INSET;

/** What is wrong with a flow's layout, one line per pair of nodes or wire and node. */
export function layoutProblems(doc: FlowDocument, registry: NodeRegistry): string[] {
  const boxes = nodeBoxes(doc, registry);
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const out: string[] = [];
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) if (overlap(a, b, GAP)) out.push(`${doc.id}: nodes "${a.id}" and "${b.id}" overlap (or are less than ${GAP} px apart)`);
  }
  for (const w of doc.wires) {
    const from = parsePortRef(w.from, DEFAULT_OUTPUT_PORT);
    const to = parsePortRef(w.to, DEFAULT_INPUT_PORT);
    const a = byId.get(from.node)!;
    const b = byId.get(to.node)!;
    const points = wirePoints(handlePoint(a, from.port, 'output'), handlePoint(b, to.port, 'input'));
    for (const box of boxes) {
      if (box === a || box === b) continue;
      if (points.some((p) => inside(p, box))) out.push(`${doc.id}: the wire ${w.from} → ${w.to} passes behind node "${box.id}"`);
    }
  }
  return out;
}

