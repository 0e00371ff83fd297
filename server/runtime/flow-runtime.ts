import type { EventEmitter } from 'node:events';
import type { CompiledFlow } from '../core/compile-flow.js';
import type { Redactor } from '../core/redactor.js';
import type { NodeServices } from '../core/services.js';
import type { AppendOptions, DataRecord, Logger } from '../core/types.js';
import type { Journal } from '../journal/journal.js';
import type { DebugMessage, NodeCounters, ReportInfo, WidgetInfo } from './api.js';
import { DebugRing } from './debug-ring.js';
import { Executor } from './executor.js';
import type { NodeCell } from './node-cell.js';
import { createCell, isSource, nodeContext, restoreCells, startCells, stopCells, reportInfo, widgetInfo, type NodeHostOptions } from './node-host.js';

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

/** What the manager runs of a deployed flow, on a single server (FlowRuntime) or in a cluster. */
export interface DeployedRuntime {
  readonly flow: CompiledFlow;
  start(): Promise<void>;
  stop(options?: { checkpoint: boolean }): Promise<void>;
  counters(): { [nodeId: string]: NodeCounters };
  nodeState(nodeId: string): unknown;
  query(nodeId: string, name: string): ((params: { [key: string]: string }) => unknown) | undefined;
  queryNames(nodeId: string): string[];
  debugMessages(): DebugMessage[];
  /** The nodes of this flow that declare a dashboard widget, with where they show. */
  widgets(): WidgetInfo[];
  widget(nodeId: string): WidgetInfo | undefined;
  /** The nodes of this flow that declare a report, with their schedule, next run and status. */
  reports(): ReportInfo[];
  report(nodeId: string): ReportInfo | undefined;
}

const DEFAULTS = { checkpointIntervalMs: 1000, tickMs: 1000, readAhead: 64, pruneIntervalMs: 60_000 };

/** One deployed flow: its node instances, executor and timers, over the flow's journal. */
export class FlowRuntime implements DeployedRuntime {
  private readonly cells = new Map<string, NodeCell>();
  private readonly abort = new AbortController();
  private readonly debug: DebugRing;
  private readonly host: NodeHostOptions;
  private executor: Executor | undefined;
  private tickTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: FlowRuntimeOptions) {
    this.debug = new DebugRing(200, (m) => options.events.emit('debug', m));
    this.host = { ...options, debug: this.debug };
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
    const journal = options.journal;
    const access = {
      append: (nodeId: string, port: string, records: DataRecord[], opts: AppendOptions | undefined) => journal.append(nodeId, port, records, opts?.sourceState),
      sourceState: (nodeId: string) => journal.sourceState(nodeId),
    };
    for (const id of options.flow.order) {
      const ctx = nodeContext(rt.host, id, rt.abort.signal, access, () => rt.cells.get(id));
      try {
        rt.cells.set(id, await createCell(rt.host, id, ctx));
      } catch (err) {
        await stopCells(rt.host, [...rt.cells.values()]);
        throw err;
      }
    }
    return rt;
  }

  /** Restores unchanged stateful nodes from the last checkpoint, starts processors and sinks, replays, then starts the sources. */
  async start(): Promise<void> {
    const { journal, flow, log } = this.options;
    restoreCells(this.cells.values(), journal.checkpoint()?.snapshots ?? {});
    // Sinks and processors are ready (tables checked, connections open) before any batch reaches them,
    // and sources start last, once there is something to deliver to.
    const cells = [...this.cells.values()];
    await this.startCells(cells.filter((c) => !isSource(c)));
    this.executor = new Executor(flow, this.cells, journal, {
      checkpointIntervalMs: flow.settings.checkpointIntervalMs ?? DEFAULTS.checkpointIntervalMs,
      readAhead: DEFAULTS.readAhead, pruneIntervalMs: DEFAULTS.pruneIntervalMs, log, onFatal: this.options.onFatal,
      redact: (text) => this.options.redactor.redact(text),
    });
    this.executor.start();
    await this.startCells(cells.filter(isSource));
    if ([...this.cells.values()].some((c) => c.instance.tick || c.instance.due)) {
      const tickMs = flow.settings.tickMs ?? DEFAULTS.tickMs;
      this.tickTimer = setInterval(() => this.appendTick(), tickMs);
      this.tickTimer.unref();
    }
  }

  private async startCells(cells: NodeCell[]): Promise<void> {
    try {
      await startCells(this.host, cells);
    } catch (err) {
      // No checkpoint: the previous revision restarts from its own, with its nodes' state intact.
      await this.stop({ checkpoint: false });
      throw err;
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
    const sources = [...this.cells.values()].filter(isSource);
    await stopCells(this.host, sources);
    await this.executor?.stop(options);
    await stopCells(this.host, [...this.cells.values()].filter((c) => !sources.includes(c)));
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
    return widgetInfo(this.flow, nodeId, this.cells.get(nodeId)?.counters.status);
  }

  /** The nodes of this flow that declare a report, with their schedule and targets. */
  reports(): ReportInfo[] {
    return [...this.flow.nodes.keys()].flatMap((id) => this.report(id) ?? []);
  }

  report(nodeId: string): ReportInfo | undefined {
    const schedule = this.query(nodeId, 'schedule');
    return reportInfo(this.flow, nodeId, this.cells.get(nodeId)?.counters.status, schedule && (() => schedule({})));
  }

  debugMessages(): DebugMessage[] {
    return this.debug.list();
  }
}
