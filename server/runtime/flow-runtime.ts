import { mkdirSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import type { CompiledFlow } from '../core/compile-flow.js';
import { resolveUnder } from '../core/data-paths.js';
import type { Redactor } from '../core/redactor.js';
import type { NodeServices } from '../core/services.js';
import type { AppendOptions, DataRecord, Logger, NodeContext, NodeInstance } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import type { DebugMessage, NodeCounters, StatusEvent, WidgetEvent, WidgetInfo } from './api.js';
import { DebugRing } from './debug-ring.js';
import { Executor } from './executor.js';
import { NodeCell } from './node-cell.js';

export interface FlowRuntimeOptions {
  flow: CompiledFlow;
  journal: Journal;
  events: EventEmitter;
  /** The flow's directory in the data dir; nodes get `nodes/<id>` below it. */
  dir: string;
  log: Logger;
  services: NodeServices;
  /** Status texts, errors and debug values pass through it: a node may echo a resolved secret. */
  redactor: Redactor;
  /** Processing stopped on an error no retry can fix; the journal keeps accepting until its quota. */
  onFatal(err: Error): void;
}

const DEFAULTS = { checkpointIntervalMs: 1000, tickMs: 1000, readAhead: 64, pruneIntervalMs: 60_000 };

/** One deployed flow: its node instances, executor and timers, over the flow's journal. */
export class FlowRuntime {
  private readonly cells = new Map<string, NodeCell>();
  private readonly abort = new AbortController();
  private readonly debug: DebugRing;
  private executor: Executor | undefined;
  private tickTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: FlowRuntimeOptions) {
    this.debug = new DebugRing(200, (m) => options.events.emit('debug', m));
  }

  get flow(): CompiledFlow {
    return this.options.flow;
  }

  /**
   * Creates every node instance without starting anything, so a factory that throws leaves the
   * currently running revision untouched.
   */
  static async create(options: FlowRuntimeOptions): Promise<FlowRuntime> {
    const rt = new FlowRuntime(options);
    for (const id of options.flow.order) {
      const compiled = options.flow.nodes.get(id)!;
      const ctx = rt.context(id);
      let instance: NodeInstance;
      try {
        instance = await compiled.node.definition.create(compiled.config as never, ctx);
      } catch (err) {
        await rt.stopInstances();
        throw new Error(options.redactor.redact(`node "${id}" (${compiled.type}) could not be created: ${(err as Error).message}`));
      }
      rt.cells.set(id, new NodeCell(compiled, instance, (nodeId, status) => {
        const event: StatusEvent = { flowId: options.flow.doc.id, nodeId, status };
        options.events.emit('status', event);
      }, (text) => options.redactor.redact(text)));
    }
    return rt;
  }

  /** Restores unchanged stateful nodes from the last checkpoint, starts processors and sinks, replays, then starts the sources. */
  async start(): Promise<void> {
    const { journal, flow, log } = this.options;
    const snapshots = journal.checkpoint()?.snapshots ?? {};
    for (const cell of this.cells.values()) {
      const saved = snapshots[cell.id] as { identity: string; state: unknown } | undefined;
      if (saved && cell.instance.restore && saved.identity === cell.compiled.identity) cell.instance.restore(saved.state);
    }
    // Sinks and processors are ready (tables checked, connections open) before any batch reaches them,
    // and sources start last, once there is something to deliver to.
    const cells = [...this.cells.values()];
    const isSource = (c: NodeCell) => c.compiled.node.definition.category === 'source';
    await this.startCells(cells.filter((c) => !isSource(c)));
    this.executor = new Executor(flow, this.cells, journal, {
      checkpointIntervalMs: flow.settings.checkpointIntervalMs ?? DEFAULTS.checkpointIntervalMs,
      readAhead: DEFAULTS.readAhead, pruneIntervalMs: DEFAULTS.pruneIntervalMs, log, onFatal: this.options.onFatal,
      redact: (text) => this.options.redactor.redact(text),
    });
    this.executor.start();
    await this.startCells(cells.filter(isSource));
    if ([...this.cells.values()].some((c) => c.instance.tick)) {
      const tickMs = flow.settings.tickMs ?? DEFAULTS.tickMs;
      this.tickTimer = setInterval(() => this.appendTick(), tickMs);
      this.tickTimer.unref();
    }
  }

  private async startCells(cells: NodeCell[]): Promise<void> {
    for (const cell of cells) {
      if (!cell.instance.start) continue;
      try {
        await cell.instance.start();
        if (cell.counters.status.state === 'idle') cell.setStatus({ state: 'running' });
      } catch (err) {
        // No checkpoint: the previous revision restarts from its own, with its nodes' state intact.
        await this.stop({ checkpoint: false });
        throw new Error(this.options.redactor.redact(`node "${cell.id}" (${cell.compiled.type}) could not start: ${(err as Error).message}`));
      }
    }
  }

  private appendTick(): void {
    this.options.journal.appendTick(Date.now()).catch((err: unknown) => {
      this.options.log.warn('tick not journaled', { flow: this.flow.doc.id, error: String(err) });
    });
  }

  /** Sources stop first (nothing new is acknowledged), then the executor reaches a barrier, then the rest. */
  async stop(options: { checkpoint: boolean } = { checkpoint: true }): Promise<void> {
    clearInterval(this.tickTimer);
    this.abort.abort();
    const sources = [...this.cells.values()].filter((c) => c.compiled.node.definition.category === 'source');
    await this.stopCells(sources);
    await this.executor?.stop(options);
    await this.stopCells([...this.cells.values()].filter((c) => !sources.includes(c)));
  }

  private async stopInstances(): Promise<void> {
    await this.stopCells([...this.cells.values()]);
  }

  private async stopCells(cells: NodeCell[]): Promise<void> {
    await Promise.all(cells.map(async (cell) => {
      try {
        await cell.instance.stop?.();
        cell.setStatus({ state: 'stopped' });
      } catch (err) {
        this.options.log.error('node failed to stop cleanly', { node: cell.id, error: String(err) });
      }
    }));
  }

  counters(): { [nodeId: string]: NodeCounters } {
    const out: { [nodeId: string]: NodeCounters } = {};
    for (const [id, cell] of this.cells) out[id] = cell.snapshotCounters();
    return out;
  }

  nodeState(nodeId: string): unknown {
    return this.cells.get(nodeId)?.instance.snapshot?.();
  }

  /** The node's named query, or undefined when the node or the query does not exist. */
  query(nodeId: string, name: string): ((params: { [key: string]: string }) => unknown) | undefined {
    const queries = this.cells.get(nodeId)?.instance.queries;
    return queries && Object.hasOwn(queries, name) ? queries[name] : undefined;
  }

  queryNames(nodeId: string): string[] {
    return Object.keys(this.cells.get(nodeId)?.instance.queries ?? {});
  }

  /** The nodes of this flow that declare a dashboard widget, with where they show. */
  widgets(): WidgetInfo[] {
    return [...this.options.flow.nodes.keys()].flatMap((id) => this.widget(id) ?? []);
  }

  widget(nodeId: string): WidgetInfo | undefined {
    const compiled = this.options.flow.nodes.get(nodeId);
    const placement = compiled?.node.definition.widget?.(compiled.config as never);
    if (!compiled || !placement) return undefined;
    const status = this.cells.get(nodeId)?.counters.status ?? { state: 'idle' as const, at: Date.now() };
    return { ...placement, title: placement.title || compiled.name || nodeId, flowId: this.flow.doc.id, nodeId, status: { ...status } };
  }

  debugMessages(): DebugMessage[] {
    return this.debug.list();
  }

  private context(nodeId: string): NodeContext {
    const { journal, flow, log } = this.options;
    const flowId = flow.doc.id;
    const outputs = flow.nodes.get(nodeId)!.outputs;
    const flowDir = this.options.dir;
    const cell = () => this.cells.get(nodeId);
    return {
      flowId, nodeId, nodeName: flow.nodes.get(nodeId)!.name, signal: this.abort.signal, services: this.options.services,
      get dataDir() {
        const dir = resolveUnder(flowDir, 'nodes', nodeId);
        mkdirSync(dir, { recursive: true });
        return dir;
      },
      log: {
        info: (msg, fields) => log.info(msg, { flow: flowId, node: nodeId, ...fields }),
        warn: (msg, fields) => log.warn(msg, { flow: flowId, node: nodeId, ...fields }),
        error: (msg, fields) => log.error(msg, { flow: flowId, node: nodeId, ...fields }),
      },
      status: (status) => cell()?.setStatus(status),
      debug: (value) => this.debug.push({ flowId, nodeId, at: Date.now(), value: this.options.redactor.redactValue(value) }),
      publish: (data) => {
        const event: WidgetEvent = { flowId, nodeId, at: Date.now(), data };
        this.options.events.emit('widget', event);
      },
      append: (records: DataRecord[], opts?: AppendOptions) => {
        const port = opts?.port ?? 'out';
        if (!outputs.includes(port)) return Promise.reject(new Error(`node "${nodeId}" has no output port "${port}"`));
        return journal.append(nodeId, port, records, opts?.sourceState);
      },
      sourceState: <T>() => journal.sourceState(nodeId) as T | undefined,
    };
  }
}
