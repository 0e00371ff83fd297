import { mkdirSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import type { CompiledFlow } from '../core/compile-flow.js';
import { resolveUnder } from '../core/data-paths.js';
import type { Redactor } from '../core/redactor.js';
import type { NodeServices } from '../core/services.js';
import type { AppendOptions, DataRecord, Logger, NodeContext, NodeInstance } from '../core/types.js';
import type { NodeCounters, ReportInfo, StatusEvent, WidgetEvent, WidgetInfo } from './api.js';
import type { DebugRing } from './debug-ring.js';
import { NodeCell } from './node-cell.js';

/** What every node of one deployed flow shares, on a single server or in a cluster. */
export interface NodeHostOptions {
  flow: CompiledFlow;
  events: EventEmitter;
  /** The flow's directory in the data dir; nodes get `nodes/<id>` below it. */
  dir: string;
  log: Logger;
  services: NodeServices;
  /** Status texts, errors and debug values pass through it: a node may echo a resolved secret. */
  redactor: Redactor;
  debug: DebugRing;
  cluster?: { name: string; serverId: string };
}

/** How a node's context reaches the journal: sources append, and read their committed state. */
export interface NodeJournalAccess {
  append(nodeId: string, port: string, records: DataRecord[], options: AppendOptions | undefined): Promise<{ offset: number }>;
  sourceState(nodeId: string): unknown;
}

export function nodeContext(o: NodeHostOptions, nodeId: string, signal: AbortSignal, journal: NodeJournalAccess, cell: () => NodeCell | undefined): NodeContext {
  const flowId = o.flow.doc.id;
  const outputs = o.flow.nodes.get(nodeId)!.outputs;
  const { log } = o;
  return {
    flowId, nodeId, nodeName: o.flow.nodes.get(nodeId)!.name, signal, services: o.services, cluster: o.cluster,
    get dataDir() {
      const dir = resolveUnder(o.dir, 'nodes', nodeId);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    log: {
      info: (msg, fields) => log.info(msg, { flow: flowId, node: nodeId, ...fields }),
      warn: (msg, fields) => log.warn(msg, { flow: flowId, node: nodeId, ...fields }),
      error: (msg, fields) => log.error(msg, { flow: flowId, node: nodeId, ...fields }),
    },
    status: (status) => cell()?.setStatus(status),
    debug: (value) => o.debug.push({ flowId, nodeId, at: Date.now(), value: o.redactor.redactValue(value) }),
    publish: (data) => {
      const event: WidgetEvent = { flowId, nodeId, at: Date.now(), data };
      o.events.emit('widget', event);
    },
    append: (records: DataRecord[], opts?: AppendOptions) => {
      const port = opts?.port ?? 'out';
      if (!outputs.includes(port)) return Promise.reject(new Error(`node "${nodeId}" has no output port "${port}"`));
      return journal.append(nodeId, port, records, opts);
    },
    sourceState: <T>() => journal.sourceState(nodeId) as T | undefined,
  };
}

/** Creates one node instance; a factory that throws names the node, redacted. */
export async function createCell(o: NodeHostOptions, nodeId: string, ctx: NodeContext): Promise<NodeCell> {
  const compiled = o.flow.nodes.get(nodeId)!;
  let instance: NodeInstance;
  try {
    instance = await compiled.node.definition.create(compiled.config as never, ctx);
  } catch (err) {
    throw new Error(o.redactor.redact(`node "${nodeId}" (${compiled.type}) could not be created: ${(err as Error).message}`));
  }
  return new NodeCell(compiled, instance, (id, status) => {
    const event: StatusEvent = { flowId: o.flow.doc.id, nodeId: id, status };
    o.events.emit('status', event);
  }, (text) => o.redactor.redact(text));
}

/** Starts the cells in order; the first that fails is reported (the caller stops what started). */
export async function startCells(o: NodeHostOptions, cells: NodeCell[]): Promise<void> {
  for (const cell of cells) {
    if (!cell.instance.start) continue;
    try {
      await cell.instance.start();
      if (cell.counters.status.state === 'idle') cell.setStatus({ state: 'running' });
    } catch (err) {
      throw new Error(o.redactor.redact(`node "${cell.id}" (${cell.compiled.type}) could not start: ${(err as Error).message}`));
    }
  }
}

export async function stopCells(o: NodeHostOptions, cells: NodeCell[]): Promise<void> {
  await Promise.all(cells.map(async (cell) => {
    try {
      await cell.instance.stop?.();
      cell.setStatus({ state: 'stopped' });
    } catch (err) {
      o.log.error('node failed to stop cleanly', { node: cell.id, error: String(err) });
    }
  }));
}

/** Restores the nodes whose identity (type and config) is unchanged since the snapshot. */
export function restoreCells(cells: Iterable<NodeCell>, snapshots: { [nodeId: string]: unknown }): void {
  for (const cell of cells) {
    const saved = snapshots[cell.id] as { identity: string; state: unknown } | undefined;
    if (saved && cell.instance.restore && saved.identity === cell.compiled.identity) cell.instance.restore(saved.state);
  }
}

export const isSource = (cell: NodeCell): boolean => cell.compiled.node.definition.category === 'source';

/** Counters of several instances of one node (its partitions on this server), added up. */
export function mergeCounters(parts: NodeCounters[]): NodeCounters {
  const [first, ...rest] = parts;
  const out: NodeCounters = { ...first!, out: { ...first!.out }, status: { ...first!.status } };
  for (const c of rest) {
    out.in += c.in;
    out.errors += c.errors;
    out.retries += c.retries;
    out.lagMs = Math.max(out.lagMs, c.lagMs);
    for (const [port, n] of Object.entries(c.out)) out.out[port] = (out.out[port] ?? 0) + n;
    if (c.lastError && (!out.lastError || c.lastError.at > out.lastError.at)) out.lastError = c.lastError;
    if (c.status.state !== 'running' && c.status.state !== 'idle') out.status = { ...c.status };
  }
  return out;
}

/** Where a node shows on a dashboard, with its status; undefined for a node whose type declares no widget. */
/** A report node's schedule and status; `schedule` is the node's query that knows its next run. */
export function reportInfo(flow: CompiledFlow, nodeId: string, status: NodeCounters['status'] | undefined, schedule: (() => unknown) | undefined): ReportInfo | undefined {
  const compiled = flow.nodes.get(nodeId);
  const placement = compiled?.node.definition.report?.(compiled.config as never);
  if (!compiled || !placement) return undefined;
  const shown = status ?? { state: 'idle' as const, at: Date.now() };
  const next = schedule?.() as { nextRunAt?: number } | undefined;
  return { ...placement, flowId: flow.doc.id, nodeId, name: compiled.name || nodeId, nextRunAt: next?.nextRunAt ?? null, status: { ...shown } };
}

export function widgetInfo(flow: CompiledFlow, nodeId: string, status: NodeCounters['status'] | undefined): WidgetInfo | undefined {
  const compiled = flow.nodes.get(nodeId);
  const placement = compiled?.node.definition.widget?.(compiled.config as never);
  if (!compiled || !placement) return undefined;
  const shown = status ?? { state: 'idle' as const, at: Date.now() };
  return { ...placement, title: placement.title || compiled.name || nodeId, flowId: flow.doc.id, nodeId, status: { ...shown } };
}
