import type { Cluster } from '../cluster/cluster.js';
import type { Lease, LeaseWork } from '../cluster/leases.js';
import type { CompiledFlow } from '../core/compile-flow.js';
import type { Stage } from '../core/partitioning.js';
import type { BatchMeta, DataRecord, Outputs } from '../core/types.js';
import { JournalFencedError, JournalUnavailableError } from '../journal/errors.js';
import type { JetStreamFlowJournal, SourceWriter } from '../journal/jetstream/flow-journal.js';
import type { PartitionJournal } from '../journal/jetstream/partition-journal.js';
import type { DebugMessage, NodeCounters, ReportInfo, WidgetInfo } from './api.js';
import { DebugRing } from './debug-ring.js';
import { Executor } from './executor.js';
import type { DeployedRuntime, FlowRuntimeOptions } from './flow-runtime.js';
import type { NodeCell } from './node-cell.js';
import { createCell, mergeCounters, nodeContext, restoreCells, startCells, stopCells, reportInfo, widgetInfo, type NodeHostOptions, type NodeJournalAccess } from './node-host.js';

export interface ClusterRuntimeOptions extends Omit<FlowRuntimeOptions, 'journal'> {
  journal: JetStreamFlowJournal;
  cluster: Cluster;
}

const DEFAULTS = { checkpointIntervalMs: 1000, tickMs: 1000, readAhead: 64, pruneIntervalMs: 60_000 };

/** Processing nodes never append; their context says so if one tries. */
const NO_APPEND: NodeJournalAccess = {
  append: (nodeId) => Promise.reject(new Error(`node "${nodeId}" is not a source and cannot append to the journal`)),
  sourceState: () => undefined,
};

/**
 * One deployed flow on one server of a cluster. Sources that run on every server (MQTT in, HTTP in, FTP) start
 * here at once; singleton sources (API poller, simulate) and each partition of each stage run where their lease
 * is held. What this server runs changes as leases move: it never decides alone that it owns anything.
 */
export class ClusterFlowRuntime implements DeployedRuntime {
  private readonly debug: DebugRing;
  private readonly host: NodeHostOptions;
  private readonly abort = new AbortController();
  private readonly sources = new Map<string, NodeCell>();
  private readonly tasks = new Map<string, PartitionTask>();
  /** Counters of the partitions this server ran and gave up: a node's figures here do not drop when one moves. */
  private readonly retired = new Map<string, NodeCounters[]>();
  private readonly unwant: (() => Promise<void>)[] = [];

  constructor(private readonly options: ClusterRuntimeOptions) {
    this.debug = new DebugRing(200, (m) => options.events.emit('debug', m));
    const { cluster } = options;
    this.host = { ...options, debug: this.debug, cluster: { name: cluster.name, serverId: cluster.serverId } };
  }

  get flow(): CompiledFlow {
    return this.options.flow;
  }

  get journal(): JetStreamFlowJournal {
    return this.options.journal;
  }

  get cluster(): Cluster {
    return this.options.cluster;
  }

  async start(): Promise<void> {
    const { flow, cluster } = this.options;
    const names = cluster.link.names;
    for (const id of flow.order) {
      const definition = flow.nodes.get(id)!.node.definition;
      if (definition.category !== 'source') continue;
      if (definition.clusterMode === 'every-server') {
        await this.startSource(id, await this.journal.sourceWriter(id, cluster.serverId, false), undefined);
      } else {
        this.compete(names.sourceKey(flow.doc.id, id), {
          acquired: async (lease) => this.startSource(id, await this.journal.sourceWriter(id, 'lease', true), lease),
          lost: () => this.stopSource(id),
          release: () => this.stopSource(id),
        });
      }
    }
    for (const stage of flow.plan.stages) {
      if (stage.nodes.length === 0) continue;
      for (let p = 0; p < stage.partitions; p++) {
        const key = names.partitionKey(flow.doc.id, stage.index, p);
        this.compete(key, {
          acquired: async (lease) => {
            const task = new PartitionTask(this, this.host, stage, p, lease, key);
            // In the map before it starts: a lease lost while starting must find the task to stop.
            this.tasks.set(key, task);
            try {
              await task.start();
            } catch (err) {
              if (this.tasks.get(key) === task) this.tasks.delete(key);
              throw err;
            }
          },
          lost: async () => { await this.tasks.get(key)?.stop(false); this.tasks.delete(key); },
          release: async () => { await this.tasks.get(key)?.stop(true); this.tasks.delete(key); },
        });
      }
    }
  }

  private compete(key: string, work: LeaseWork): void {
    this.unwant.push(this.cluster.leases.want(key, work));
  }

  /** A source's appends go through its writer; a singleton's stop as soon as its lease is not held. */
  private async startSource(id: string, writer: SourceWriter, lease: Lease | undefined): Promise<void> {
    const access: NodeJournalAccess = {
      append: (_node, port, records, opts) => {
        if (lease && !lease.valid()) return Promise.reject(new JournalUnavailableError('this server no longer holds the source\'s lease'));
        return writer.append(port, records, opts).catch((err: unknown) => {
          // Another owner appended meanwhile: start again from its state if the lease is still ours.
          if (err instanceof JournalFencedError && lease) void this.restartSource(id, lease);
          throw err;
        });
      },
      sourceState: () => writer.state,
    };
    const ctx = nodeContext(this.host, id, this.abort.signal, access, () => this.sources.get(id));
    const cell = await createCell(this.host, id, ctx);
    this.sources.set(id, cell);
    try {
      await startCells(this.host, [cell]);
    } catch (err) {
      await this.stopSource(id);
      throw err;
    }
  }

  private async restartSource(id: string, lease: Lease): Promise<void> {
    await this.stopSource(id);
    if (!lease.valid()) return;
    this.options.log.warn('a singleton source found appends it did not make; restarting it from the journal', { flow: this.flow.doc.id, node: id });
    await this.startSource(id, await this.journal.sourceWriter(id, 'lease', true), lease).catch((err: unknown) => {
      this.options.log.error('singleton source could not restart', { node: id, error: String(err) });
      this.cluster.leases.giveBack(lease);
    });
  }

  private async stopSource(id: string): Promise<void> {
    const cell = this.sources.get(id);
    if (!cell) return;
    this.sources.delete(id);
    await stopCells(this.host, [cell]);
  }

  /** Sources first (nothing new is accepted here), then every lease is released after a checkpoint. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.sources.keys()].map((id) => this.stopSource(id)));
    await Promise.all(this.unwant.splice(0).map((release) => release()));
    await Promise.all([...this.tasks.values()].map((t) => t.stop(true)));
    this.tasks.clear();
  }

  /** Partitions this server runs now, by stage. */
  owned(): PartitionFigures[] {
    return [...this.tasks.values()].map((t) => t.figures());
  }

  counters(): { [nodeId: string]: NodeCounters } {
    const parts = new Map<string, NodeCounters[]>();
    const add = (cell: NodeCell) => {
      const list = parts.get(cell.id) ?? [];
      list.push(cell.snapshotCounters());
      parts.set(cell.id, list);
    };
    for (const cell of this.sources.values()) add(cell);
    for (const task of this.tasks.values()) for (const cell of task.cells.values()) add(cell);
    const out: { [nodeId: string]: NodeCounters } = {};
    for (const [id, list] of parts) out[id] = mergeCounters([...list, ...(this.retired.get(id) ?? [])]);
    for (const [id, list] of this.retired) out[id] ??= { ...mergeCounters(list), status: { state: 'stopped', at: Date.now(), text: 'no partition on this server now' } };
    return out;
  }

  /** A task stopped: its counters stay in this server's figures (retired counters are summed into one per node). */
  retire(cells: Iterable<NodeCell>): void {
    for (const cell of cells) {
      // Idle: a retired partition's last status must not stand for the node's partitions that still run here.
      const counters = { ...mergeCounters([cell.snapshotCounters(), ...(this.retired.get(cell.id) ?? [])]), status: { state: 'idle' as const, at: Date.now() } };
      this.retired.set(cell.id, [counters]);
    }
  }

  private instances(nodeId: string): { partition: number; cell: NodeCell }[] {
    const source = this.sources.get(nodeId);
    if (source) return [{ partition: 0, cell: source }];
    return [...this.tasks.values()].flatMap((t) => (t.cells.has(nodeId) ? [{ partition: t.partition, cell: t.cells.get(nodeId)! }] : []));
  }

  /** One partition here: its state; several: `{ partitions: { <p>: state } }`; none: undefined. */
  nodeState(nodeId: string): unknown {
    const found = this.instances(nodeId);
    if (found.length <= 1) return found[0]?.cell.instance.snapshot?.();
    return { partitions: Object.fromEntries(found.map((f) => [f.partition, f.cell.instance.snapshot?.()])) };
  }

  query(nodeId: string, name: string): ((params: { [key: string]: string }) => unknown) | undefined {
    const queries = this.instances(nodeId)[0]?.cell.instance.queries;
    return queries && Object.hasOwn(queries, name) ? queries[name] : undefined;
  }

  queryNames(nodeId: string): string[] {
    return Object.keys(this.instances(nodeId)[0]?.cell.instance.queries ?? {});
  }

  debugMessages(): DebugMessage[] {
    return this.debug.list();
  }

  widgets(): WidgetInfo[] {
    return [...this.flow.nodes.keys()].flatMap((id) => this.widget(id) ?? []);
  }

  /** A widget whose partitions run elsewhere shows its status as this server knows it (idle when it runs none). */
  widget(nodeId: string): WidgetInfo | undefined {
    return widgetInfo(this.flow, nodeId, this.counters()[nodeId]?.status);
  }

  reports(): ReportInfo[] {
    return [...this.flow.nodes.keys()].flatMap((id) => this.report(id) ?? []);
  }

  /** As widgets: the schedule and status as this server knows them (no next run when it runs no partition of the node). */
  report(nodeId: string): ReportInfo | undefined {
    const schedule = this.query(nodeId, 'schedule');
    return reportInfo(this.flow, nodeId, this.counters()[nodeId]?.status, schedule && (() => schedule({})));
  }

  /** A task stopped on an error: it gives its lease back so it starts again (here or elsewhere) from its checkpoint. */
  failed(key: string, task: PartitionTask, lease: Lease): void {
    if (this.tasks.get(key) === task) this.tasks.delete(key);
    this.cluster.leases.giveBack(lease);
  }
}

/** A partition this server runs: entries processed, the stream's head, and source appends stored twice taken once. */
export interface PartitionFigures { stage: number; partition: number; processed: number; head: number; duplicatesDropped: number }

/** One partition of one stage on its owner: the stage's node instances and an executor over the partition's journal. */
class PartitionTask {
  readonly cells = new Map<string, NodeCell>();
  private readonly abort = new AbortController();
  private journal: PartitionJournal | undefined;
  private executor: Executor | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly rt: ClusterFlowRuntime,
    private readonly host: NodeHostOptions,
    private readonly stage: Stage,
    readonly partition: number,
    private readonly lease: Lease,
    private readonly key: string,
  ) {}

  figures(): PartitionFigures {
    return {
      stage: this.stage.index, partition: this.partition, processed: this.executor?.processed ?? 0, head: this.journal?.head() ?? 0,
      duplicatesDropped: this.journal?.duplicatesDropped ?? 0,
    };
  }

  async start(): Promise<void> {
    const { flow, cluster } = { flow: this.rt.flow, cluster: this.rt.cluster };
    this.journal = await this.rt.journal.partition(this.stage.index, this.partition, cluster.serverId, this.lease.token);
    try {
      for (const id of flow.order) {
        if (!this.stage.nodes.includes(id)) continue;
        const ctx = nodeContext(this.host, id, this.abort.signal, NO_APPEND, () => this.cells.get(id));
        const cell = await createCell(this.host, id, ctx);
        this.cells.set(id, cell);
        if (cell.compiled.node.definition.boundary) this.forwardToNextStage(cell);
      }
      restoreCells(this.cells.values(), this.journal.checkpoint()?.snapshots ?? {});
      await startCells(this.host, [...this.cells.values()]);
    } catch (err) {
      await stopCells(this.host, [...this.cells.values()]);
      await this.journal.close();
      throw err;
    }
    const settings = flow.settings;
    this.executor = new Executor(flow, this.cells, this.journal, {
      checkpointIntervalMs: settings.checkpointIntervalMs ?? DEFAULTS.checkpointIntervalMs,
      readAhead: DEFAULTS.readAhead, pruneIntervalMs: DEFAULTS.pruneIntervalMs, log: this.host.log,
      redact: (text) => this.host.redactor.redact(text),
      guard: () => {
        if (!this.lease.valid()) throw new JournalFencedError(`this server no longer holds the lease of ${this.key}`);
      },
      onFatal: (err) => {
        this.host.log.warn('partition stopped; its lease is given back', { key: this.key, error: err.message });
        void this.stop(false).then(() => this.rt.failed(this.key, this, this.lease));
      },
    });
    this.executor.start();
    if ([...this.cells.values()].some((c) => c.instance.tick || c.instance.due)) {
      this.tickTimer = setInterval(() => {
        if (!this.lease.valid()) return;
        this.journal!.appendTick(Date.now()).catch((err: unknown) => this.host.log.warn('tick not journaled', { key: this.key, error: String(err) }));
      }, settings.tickMs ?? DEFAULTS.tickMs);
      this.tickTimer.unref();
    }
  }

  /**
   * A stage boundary's `out` goes into the next stage's stream, tagged with this partition and the entry's
   * sequence: the batch counts as done here only once the next stage stored it.
   */
  private forwardToNextStage(cell: NodeCell): void {
    const next = this.rt.flow.plan.stages.find((s) => s.from === cell.id);
    const process = cell.instance.process;
    if (!next || !process) return;
    const journal = this.rt.journal;
    const origin = this.partition;
    cell.instance.process = async (batch: readonly DataRecord[], meta: BatchMeta): Promise<Outputs | void> => {
      const outputs = await process.call(cell.instance, batch, meta);
      const out = outputs?.out;
      if (out && out.length > 0) await journal.publishBoundary(next.index, cell.id, out, { partition: origin, seq: meta.offset }, meta.ts);
      return outputs ? { ...outputs, out: undefined } : undefined;
    };
  }

  stop(checkpoint: boolean): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.tickTimer);
      this.abort.abort();
      try {
        await this.executor?.stop({ checkpoint: checkpoint && this.lease.valid() });
      } catch (err) {
        this.host.log.warn('no checkpoint on stop; the next owner replays from the last one', { key: this.key, error: String(err) });
      }
      await stopCells(this.host, [...this.cells.values()]);
      this.rt.retire(this.cells.values());
      await this.journal?.close();
    })();
    return this.stopping;
  }
}
