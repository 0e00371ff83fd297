import type { FlowSettings, PortRef } from './flow-format.js';
import { DEFAULT_OUTPUT_PORT } from './flow-format.js';
import type { Problem } from './problems.js';
import type { DataRecord } from './types.js';
import type { CompiledFlow, CompiledNode } from './compile-flow.js';

/**
 * One stage of a flow: the nodes between the sources (or a repartition) and the next repartitions. In cluster
 * mode a stage is journaled in a stream of its own and split into `partitions`, each owned by one server.
 */
export interface Stage {
  index: number;
  /** The boundary node feeding this stage (null for stage 0, fed by the sources). */
  from: string | null;
  partitions: number;
  /** Fields whose hash picks a record's partition (empty: everything in partition 0). */
  keyFields: string[];
  /** Processing nodes and sinks of the stage, boundary nodes ending it included; sources are not. */
  nodes: string[];
}

export interface FlowPlan {
  stages: Stage[];
  /** node id → its stage (sources: 0). */
  stageOf: Map<string, number>;
}

type Wires = Map<string, Map<string, PortRef[]>>;

/**
 * Cuts the flow into stages at its boundary nodes and checks that every stateful node of a partitioned stage
 * keeps its state by that stage's partition key. The checks run on every deploy, single server included, so a
 * flow that deploys on one server deploys on a cluster too.
 */
export function planFlow(nodes: Map<string, CompiledNode>, order: string[], wires: Wires, settings: FlowSettings, problems: Problem[]): FlowPlan {
  const rootPartitions = settings.partitions ?? 1;
  const stages: Stage[] = [{ index: 0, from: null, partitions: rootPartitions, keyFields: settings.partitionBy ?? [], nodes: [] }];
  const stageOf = new Map<string, number>();
  const inputsFrom = new Map<string, Set<number>>();
  const feed = (target: string, stage: number) => {
    const set = inputsFrom.get(target) ?? new Set<number>();
    set.add(stage);
    inputsFrom.set(target, set);
  };
  for (const id of order) {
    const node = nodes.get(id)!;
    const definition = node.node.definition;
    let stage = 0;
    if (definition.category !== 'source') {
      const from = [...(inputsFrom.get(id) ?? [0])];
      if (from.length > 1) {
        problems.push({ nodeId: id, path: '/wires', message: `node "${id}" takes records from ${from.length} stages (${from.map((s) => stageName(stages[s]!)).join(', ')}); all its inputs must come through the same repartition` });
      }
      stage = from[0]!;
      stages[stage]!.nodes.push(id);
    }
    stageOf.set(id, stage);
    for (const [port, targets] of wires.get(id) ?? []) {
      let next = stage;
      if (definition.boundary && port === DEFAULT_OUTPUT_PORT) {
        next = stages.length;
        stages.push({
          index: next, from: id,
          partitions: definition.boundary.partitions(node.config as never) ?? rootPartitions,
          keyFields: definition.boundary.keyFields(node.config as never), nodes: [],
        });
      }
      for (const t of targets) feed(t.node, next);
    }
  }
  for (const stage of stages) {
    if (stage.partitions > 1) checkKeys(stage, nodes, problems);
  }
  return { stages, stageOf };
}

function stageName(stage: Stage): string {
  return stage.from === null ? 'the sources' : `repartition "${stage.from}"`;
}

function checkKeys(stage: Stage, nodes: Map<string, CompiledNode>, problems: Problem[]): void {
  const by = stage.keyFields;
  const where = stage.from === null ? `the flow is partitioned by ${list(by)} (settings.partitionBy)` : `repartition "${stage.from}" partitions by ${list(by)}`;
  if (by.length === 0) {
    const path = stage.from === null ? '/settings/partitionBy' : '';
    problems.push({ nodeId: stage.from, path, message: `${stage.partitions} partitions need a partition key: set ${stage.from === null ? 'settings.partitionBy' : 'its "by" fields'}` });
    return;
  }
  for (const id of stage.nodes) {
    const node = nodes.get(id)!;
    const keys = node.node.definition.stateKeys?.(node.config as never);
    if (keys === undefined) continue;
    const missing = by.filter((f) => !keys.includes(f));
    if (missing.length === 0) continue;
    const kept = keys.length === 0 ? 'keeps one state over all its records' : `keeps its state by ${list(keys)}`;
    problems.push({
      nodeId: id, path: '',
      message: `node "${id}" (${node.type}) ${kept}, but ${where}: each of the ${stage.partitions} partitions would see only part of a key's records. `
        + (keys.length === 0
          ? 'Put a repartition node with "partitions": 1 before it, or set settings.partitions to 1'
          : `Add ${list(missing)} to its keys, or put a repartition node by its keys before it`),
    });
  }
}

/** Cluster mode: nodes whose data stays on one server's disk cannot move with their partition. */
export function serverLocalProblems(flow: CompiledFlow): Problem[] {
  return [...flow.nodes].flatMap(([id, node]) => {
    const kept = node.node.definition.serverLocalData;
    return kept === undefined ? [] : [{
      nodeId: id, path: '',
      message: `node "${id}" (${node.type}) keeps ${kept}: in cluster mode the server that takes its partition over would start without it. Run this flow on a single server`,
    }];
  });
}

function list(fields: string[]): string {
  return fields.length === 0 ? 'nothing' : fields.map((f) => `"${f}"`).join(', ');
}

/** A dotted path (`site.id`) read from a record. */
export function pathGetter(path: string): (r: DataRecord) => unknown {
  const parts = path.split('.');
  if (parts.length === 1) return (r) => r[path];
  return (r) => {
    let v: unknown = r;
    for (const part of parts) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as { [k: string]: unknown })[part];
    }
    return v;
  };
}

/** The partition of a record in a stage. */
export function stagePartitioner(stage: Stage): (r: DataRecord) => number {
  return partitioner(stage.keyFields.map(pathGetter), stage.partitions);
}

/** FNV-1a over the text of the key values: the same partition on every server and every release. */
export function partitioner(getters: ((r: DataRecord) => unknown)[], partitions: number): (r: DataRecord) => number {
  if (partitions <= 1 || getters.length === 0) return () => 0;
  return (record) => {
    let h = 0x811c9dc5;
    for (let g = 0; g < getters.length; g++) {
      const v = getters[g]!(record);
      const text = typeof v === 'string' ? v : JSON.stringify(v ?? null);
      for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
      }
      h ^= 0x1f;
    }
    return (h >>> 0) % partitions;
  };
}
