/**
 * The wiring step of an import: edges between Node-RED ids (output index → node), with junctions (link
 * in/out pairs, junction nodes, subflow ports) dissolved into direct edges, and loops found, since Sluice
 * flows are acyclic.
 */
export interface Edge {
  from: string;
  port: number;
  to: string;
}

/** Follows every edge through junctions to real nodes; a loop made only of junctions leads nowhere. */
export function dissolveJunctions(edges: Edge[], isJunction: (id: string) => boolean): Edge[] {
  const out = new Map<string, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const result: Edge[] = [];
  const seen = new Set<string>();
  for (const e of edges) {
    if (isJunction(e.from)) continue;
    const targets = new Set<string>();
    const walk = (id: string, path: Set<string>) => {
      if (!isJunction(id)) { targets.add(id); return; }
      if (path.has(id)) return;
      path.add(id);
      for (const next of out.get(id) ?? []) walk(next.to, path);
      path.delete(id);
    };
    walk(e.to, new Set());
    for (const t of targets) {
      const key = `${e.from}:${e.port}>${t}`;
      if (!seen.has(key)) { seen.add(key); result.push({ from: e.from, port: e.port, to: t }); }
    }
  }
  return result;
}

/**
 * The edges that close a loop (found by a depth-first walk), each with the cycle it closes, so the import
 * can put a placeholder on it and say which nodes the loop runs through.
 */
export function loopEdges(nodes: string[], edges: Edge[]): { edge: Edge; cycle: string[] }[] {
  const out = new Map<string, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const found: { edge: Edge; cycle: string[] }[] = [];
  for (const start of nodes) {
    if (state.has(start)) continue;
    // Iterative DFS: a 5,000-node chain must not overflow the call stack.
    const frames: { id: string; i: number }[] = [{ id: start, i: 0 }];
    state.set(start, 1);
    stack.push(start);
    while (frames.length) {
      const f = frames[frames.length - 1]!;
      const next = (out.get(f.id) ?? [])[f.i++];
      if (!next) {
        state.set(f.id, 2);
        stack.pop();
        frames.pop();
        continue;
      }
      const s = state.get(next.to);
      if (s === 1) found.push({ edge: next, cycle: [...stack.slice(stack.indexOf(next.to)), next.to] });
      else if (s === undefined) {
        state.set(next.to, 1);
        stack.push(next.to);
        frames.push({ id: next.to, i: 0 });
      }
    }
  }
  return found;
}
