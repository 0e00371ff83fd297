import { wireKey } from '../../server/collab/flow-ydoc';
import type { FlowDocument, FlowNodeDoc } from './types';

export interface FlowDiff {
  added: string[];
  removed: string[];
  /** Node id → what changed (`config`, `name`, `type`, `retry`); moves alone are not changes. */
  changed: { id: string; what: string[] }[];
  wiresAdded: string[];
  wiresRemoved: string[];
  /** Flow-level fields that changed: name, description, settings. */
  flow: string[];
}

/** What a deploy of `draft` would change in the `deployed` revision (everything when none is deployed). */
export function diffFlows(deployed: FlowDocument | null, draft: FlowDocument): FlowDiff {
  const before = new Map((deployed?.nodes ?? []).map((n) => [n.id, n]));
  const after = new Map(draft.nodes.map((n) => [n.id, n]));
  const changed: FlowDiff['changed'] = [];
  for (const [id, n] of after) {
    const old = before.get(id);
    if (!old) continue;
    const what = (['type', 'name', 'config', 'retry'] as const).filter((k) => json(fieldOf(old, k)) !== json(fieldOf(n, k)));
    if (what.length) changed.push({ id, what });
  }
  const wiresBefore = new Set((deployed?.wires ?? []).map(wireKey));
  const wiresAfter = new Set(draft.wires.map(wireKey));
  return {
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    changed,
    wiresAdded: [...wiresAfter].filter((w) => !wiresBefore.has(w)),
    wiresRemoved: [...wiresBefore].filter((w) => !wiresAfter.has(w)),
    flow: (['name', 'description', 'settings'] as const).filter((k) => deployed !== null && json(deployed[k]) !== json(draft[k])),
  };
}

export function isEmptyDiff(d: FlowDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.wiresAdded.length + d.wiresRemoved.length + d.flow.length === 0;
}

function fieldOf(n: FlowNodeDoc, k: 'type' | 'name' | 'config' | 'retry'): unknown {
  if (k === 'config') return n.config ?? {};
  return n[k];
}

/** Key order does not matter to a config. */
function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v)) ?? 'undefined';
}
