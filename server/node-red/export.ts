import type { NrNode } from './model.js';

/** The export is not a Node-RED export (so the caller tries other formats), or is one with these problems. */
export class NodeRedExportError extends Error {
  readonly code = 'NODE_RED_EXPORT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'NodeRedExportError';
  }
}

/** An array of nodes, or `{ flows: [...] }` (the admin API's answer), where nodes have `type` and `z` or `wires`. */
export function nodeRedList(body: unknown): unknown[] | undefined {
  const list = Array.isArray(body)
    ? body
    : body !== null && typeof body === 'object' && Array.isArray((body as { flows?: unknown }).flows) ? (body as { flows: unknown[] }).flows : undefined;
  if (!list || list.length === 0) return undefined;
  const looksLikeNode = (n: unknown) => n !== null && typeof n === 'object' && typeof (n as { type?: unknown }).type === 'string';
  if (!list.every(looksLikeNode)) return undefined;
  const wired = list.some((n) => 'z' in (n as object) || Array.isArray((n as { wires?: unknown }).wires) || (n as { type: string }).type === 'tab');
  return wired ? list : undefined;
}

export interface ExportParts {
  tabs: NrNode[];
  /** Subflow definitions and the nodes inside each. */
  subflows: Map<string, { def: NrNode; nodes: NrNode[] }>;
  /** Config nodes (brokers, TLS settings): no position and no wires. */
  config: Map<string, NrNode>;
  /** Canvas nodes by the tab they are on (`z`). */
  byTab: Map<string, NrNode[]>;
}

/** Checks every node's shape (naming the index of a bad one) and sorts them by role. */
export function readExport(list: unknown[]): ExportParts {
  const seen = new Set<string>();
  const nodes: NrNode[] = list.map((raw, i) => {
    const n = raw as { [k: string]: unknown };
    if (typeof n.id !== 'string' || n.id === '') throw new NodeRedExportError(`node ${i} of the export (type "${String(n.type)}") has no id`);
    if (seen.has(n.id)) throw new NodeRedExportError(`node ${i} of the export: the id "${n.id}" is used twice`);
    seen.add(n.id);
    if (n.wires !== undefined && (!Array.isArray(n.wires) || !n.wires.every((w) => Array.isArray(w) && w.every((t) => typeof t === 'string')))) {
      throw new NodeRedExportError(`node ${i} of the export ("${n.id}", ${String(n.type)}): wires must be an array of arrays of node ids`);
    }
    return n as NrNode;
  });
  const parts: ExportParts = { tabs: [], subflows: new Map(), config: new Map(), byTab: new Map() };
  for (const n of nodes) if (n.type === 'subflow') parts.subflows.set(n.id, { def: n, nodes: [] });
  for (const n of nodes) {
    if (n.type === 'tab') parts.tabs.push(n);
    else if (n.type === 'subflow') continue;
    else if (n.z !== undefined && parts.subflows.has(n.z)) parts.subflows.get(n.z)!.nodes.push(n);
    else if (n.x === undefined && n.wires === undefined && n.type !== 'group') parts.config.set(n.id, n);
    else {
      const tab = n.z ?? '';
      parts.byTab.set(tab, [...(parts.byTab.get(tab) ?? []), n]);
    }
  }
  return parts;
}
