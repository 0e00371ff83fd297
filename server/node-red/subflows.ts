import type { ImportProblem } from './report.js';
import type { NrNode } from './model.js';
import type { ExportParts } from './export.js';

const MAX_DEPTH = 8;

/**
 * Replaces every subflow instance (`subflow:<id>`) by a copy of the subflow's nodes, ids prefixed with the
 * instance's (`<instance>-<inner>`), wired in its place: the subflow's input and outputs become junctions
 * (`<instance>-in`, `<instance>-out<i>`) that the graph step dissolves into plain wires. Instance
 * properties (env) are not applied; the report says so.
 */
export function expandSubflows(nodes: NrNode[], parts: ExportParts, problems: ImportProblem[], depth = 0): NrNode[] {
  const out: NrNode[] = [];
  for (const n of nodes) {
    const id = n.type.startsWith('subflow:') ? n.type.slice(8) : undefined;
    const sub = id === undefined ? undefined : parts.subflows.get(id);
    if (!sub) { out.push(n); continue; }
    if (depth >= MAX_DEPTH) {
      problems.push({ nodeId: n.id, message: `subflows nested deeper than ${MAX_DEPTH} levels (a subflow that contains itself?): instance "${n.id}" was not expanded` });
      out.push({ ...n, type: 'subflow-too-deep' });
      continue;
    }
    out.push(...instance(n, sub, parts, problems, depth));
  }
  return out;
}

interface Port { wires?: { id: string; port?: number }[] }

function instance(inst: NrNode, sub: { def: NrNode; nodes: NrNode[] }, parts: ExportParts, problems: ImportProblem[], depth: number): NrNode[] {
  const p = (id: string) => `${inst.id}-${id}`;
  const outs = ((sub.def.out ?? []) as Port[]);
  const ins = ((sub.def.in ?? []) as Port[]);
  const outJunction = (i: number) => p(`out${i}`);
  // Inner wires that feed a subflow output also go to that output's junction.
  const feeds = new Map<string, string[]>();
  outs.forEach((o, i) => {
    for (const w of o.wires ?? []) {
      const key = w.id === sub.def.id ? 'in' : `${w.id}:${w.port ?? 0}`;
      feeds.set(key, [...(feeds.get(key) ?? []), outJunction(i)]);
    }
  });
  const inner: NrNode[] = sub.nodes.map((n) => ({
    ...n, id: p(n.id), z: inst.z, x: (inst.x ?? 0) + ((n.x ?? 0) - 100) / 4, y: (inst.y ?? 0) + ((n.y ?? 0) - 100) / 4,
    ...(n.wires ? { wires: n.wires.map((targets, port) => [...targets.map(p), ...(feeds.get(`${n.id}:${port}`) ?? [])]) } : {}),
    ...(n.type === 'link out' && Array.isArray(n.links) ? { links: (n.links as string[]).map(p) } : {}),
    ...(n.type === 'link in' && Array.isArray(n.links) ? { links: (n.links as string[]).map(p) } : {}),
    ...(n.type === 'catch' && Array.isArray(n.scope) ? { scope: (n.scope as string[]).map(p) } : {}),
    _subflow: { instance: inst.id, inner: n.id },
  }));
  const input: NrNode = {
    id: p('in'), type: 'junction', z: inst.z, x: inst.x, y: inst.y,
    wires: [[...(ins[0]?.wires ?? []).map((w) => p(w.id)), ...(feeds.get('in') ?? [])]],
  };
  const outputs: NrNode[] = outs.map((_o, i) => ({ id: outJunction(i), type: 'junction', z: inst.z, x: inst.x, y: inst.y, wires: [inst.wires?.[i] ?? []], _synthetic: true }));
  // What was wired to the instance now reaches its input junction (the caller rewires by id).
  return [
    { ...input, _replaces: inst.id, _instance: inst } as NrNode,
    ...outputs,
    ...expandSubflows(inner, parts, problems, depth + 1),
  ];
}
