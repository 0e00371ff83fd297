import type { CompiledFlow } from '../core/compile-flow.js';
import { DEFAULT_OUTPUT_PORT, ERROR_PORT } from '../core/flow-format.js';
import { backoffDelay } from '../core/retry-policy.js';
import type { BatchMeta, DataRecord, Logger, Outputs } from '../core/types.js';
import { isPermanent, isUnavailable } from '../core/failure.js';
import type { JournalEntry, TaskJournal } from '../journal/journal.js';
import type { NodeCell } from './node-cell.js';
import { sleep } from './sleep.js';

export interface ExecutorOptions {
  /** Called when processing stops on an error that is not a node's (e.g. the disk is full). */
  onFatal(err: Error): void;
  checkpointIntervalMs: number;
  /** How many journal entries are read ahead of processing: the memory bound. */
  readAhead: number;
  pruneIntervalMs: number;
  log: Logger;
  /** Applied to the reasons kept with dead letters (a node's own error records may quote a secret). */
  redact?(text: string): string;
  /**
   * Cluster mode: throws (JournalFencedError) once this server may no longer act for the partition. Called
   * before every node call and every checkpoint, so a stale owner stops before its next write.
   */
  guard?(): void;
}

/** States a processing node leaves once a batch went through (a source's own states are its business). */
const RESTING = new Set(['idle', 'error']);

/** Stops a walk in the middle of an entry; the entry is processed again after restart. */
class Interrupted extends Error {}

/**
 * Walks journal entries through the node graph, one entry at a time in journal order, and commits
 * checkpoint barriers. Processing one whole entry before the next keeps the barrier trivially
 * aligned: after entry N every node has seen exactly the entries up to N.
 */
export class Executor {
  private position: number;
  private checkpointed: number;
  private lastCheckpointAt = Date.now();
  private lastPruneAt = 0;
  private readonly stopController = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** True while an entry is half-walked; a checkpoint then would capture a partial state. */
  private midEntry = false;
  private readonly order: NodeCell[];
  private readonly index = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly flow: CompiledFlow,
    private readonly cells: Map<string, NodeCell>,
    private readonly journal: TaskJournal,
    private readonly options: ExecutorOptions,
  ) {
    this.order = flow.order.filter((id) => cells.has(id)).map((id) => cells.get(id)!);
    this.order.forEach((c, i) => this.index.set(c.id, i));
    this.position = journal.checkpoint()?.offset ?? 0;
    this.checkpointed = this.position;
    this.unsubscribe = journal.onCommit(() => this.wake?.());
  }

  get processed(): number {
    return this.position;
  }

  start(): void {
    this.loop = this.run().catch((err: unknown) => {
      this.options.log.error('processing stopped on an unexpected error', { error: String(err) });
      this.options.onFatal(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Finishes the entry in progress (retry waits are cut short), then commits a last checkpoint. */
  async stop(options: { checkpoint: boolean }): Promise<void> {
    this.stopController.abort();
    this.wake?.();
    await this.loop;
    this.unsubscribe();
    if (options.checkpoint && !this.midEntry) await this.checkpoint();
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const entries = this.journal.read(this.position, this.options.readAhead);
      if (entries.length === 0) {
        const dueIn = this.lastCheckpointAt + this.options.checkpointIntervalMs - Date.now();
        if (this.position > this.checkpointed && dueIn <= 0) await this.checkpoint();
        else await this.idle(dueIn > 0 ? dueIn : this.options.checkpointIntervalMs);
        continue;
      }
      for (const entry of entries) {
        try {
          await this.walk(entry);
        } catch (err) {
          if (err instanceof Interrupted) return;
          throw err;
        }
        this.position = entry.offset;
        if (Date.now() - this.lastCheckpointAt >= this.options.checkpointIntervalMs) await this.checkpoint();
        if (this.stopping) return;
      }
    }
  }

  /** Waits for the next commit, or until a checkpoint is due. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  /** Delivers one entry: each node, in topological order, gets everything wired into it at once. */
  private async walk(entry: JournalEntry): Promise<void> {
    this.midEntry = true;
    const inbox = new Map<string, (readonly DataRecord[])[]>();
    const meta: BatchMeta = { offset: entry.offset, ts: entry.ts };
    let from = 0;
    if (entry.kind === 'tick') {
      from = 0;
    } else {
      const start = this.cells.get(entry.node);
      if (!start) {
        // A source or a stage boundary that runs outside this task (cluster mode) feeds its wires here.
        if (entry.kind === 'data' && this.flow.nodes.has(entry.node)) this.routeFrom(entry.node, entry.port, entry.records, inbox);
        else this.orphan(entry);
        if (inbox.size === 0) {
          this.midEntry = false;
          return;
        }
      } else {
        from = this.index.get(entry.node)!;
        if (entry.kind === 'data') this.route(start, { [entry.port]: entry.records }, inbox, meta);
        else inbox.set(entry.node, [entry.records]);
      }
    }
    for (let i = from; i < this.order.length; i++) {
      const cell = this.order[i]!;
      if (entry.kind === 'tick' && cell.instance.due) this.takeDue(cell, entry.ts, inbox);
      const parts = inbox.get(cell.id);
      if (parts) {
        const batch = parts.length === 1 ? parts[0]! : parts.flat();
        if (batch.length > 0) this.route(cell, await this.processWithRetry(cell, batch, meta), inbox, meta);
      }
      if (entry.kind === 'tick' && cell.instance.tick) this.route(cell, this.tick(cell, entry.ts), inbox, meta);
    }
    this.midEntry = false;
  }

  private routeFrom(node: string, port: string, records: readonly DataRecord[], inbox: Map<string, (readonly DataRecord[])[]>): void {
    if (records.length === 0) return;
    for (const target of this.flow.wires.get(node)?.get(port) ?? []) {
      if (!this.cells.has(target.node)) continue;
      const parts = inbox.get(target.node);
      if (parts) parts.push(records);
      else inbox.set(target.node, [records]);
    }
  }

  private route(cell: NodeCell, outputs: Outputs | void, inbox: Map<string, (readonly DataRecord[])[]>, meta: BatchMeta): void {
    if (!outputs) return;
    const wired = this.flow.wires.get(cell.id);
    for (const port in outputs) {
      const records = outputs[port];
      if (!records || records.length === 0) continue;
      cell.countOut(port, records.length);
      const targets = wired?.get(port);
      if (!targets?.length && port !== DEFAULT_OUTPUT_PORT) this.keepUnwired(cell, port, records, meta);
      for (const target of targets ?? []) {
        const parts = inbox.get(target.node);
        if (parts) parts.push(records);
        else inbox.set(target.node, [records]);
      }
    }
  }

  private async processWithRetry(cell: NodeCell, batch: readonly DataRecord[], meta: BatchMeta): Promise<Outputs | void> {
    const process = cell.instance.process;
    if (!process) return undefined;
    cell.counters.in += batch.length;
    cell.counters.lagMs = Date.now() - meta.ts;
    const policy = cell.compiled.retry;
    let attempt = 1;
    let outage: { since: number; retries: number } | undefined;
    for (;;) {
      this.options.guard?.();
      try {
        const out = await process.call(cell.instance, batch, meta);
        if (attempt > 1 || outage) cell.setStatus({ state: 'running', text: recoveredText(attempt, outage) });
        else if (RESTING.has(cell.counters.status.state)) cell.setStatus({ state: 'running' });
        return out;
      } catch (err) {
        const message = cell.recordError(err);
        if (this.stopping) throw new Interrupted();
        let delay: number;
        if (isUnavailable(err)) {
          // An outage is not the records' fault: wait for the system however long it takes.
          outage ??= { since: Date.now(), retries: 0 };
          outage.retries++;
          delay = backoffDelay(policy, outage.retries);
          const seconds = Math.round((Date.now() - outage.since) / 1000);
          cell.setStatus({ state: 'retrying', attempt: outage.retries + 1, text: `unavailable for ${seconds} s, retrying until it is back: ${message}` });
        } else {
          if (attempt >= policy.maxAttempts || isPermanent(err)) return this.fail(cell, batch, meta, message, attempt);
          delay = backoffDelay(policy, attempt);
          attempt++;
          cell.setStatus({ state: 'retrying', attempt, text: `attempt ${attempt} of ${policy.maxAttempts}: ${message}` });
        }
        cell.counters.retries++;
        await sleep(delay, this.stopController.signal);
        if (this.stopping) throw new Interrupted();
      }
    }
  }

  /** After the last attempt: to the `error` port, which keeps them as dead letters when it is not wired. */
  private fail(cell: NodeCell, batch: readonly DataRecord[], meta: BatchMeta, message: string, attempts: number): Outputs {
    cell.setStatus({ state: 'error', text: `${batch.length} records failed after ${attempts} attempts: ${message}` });
    return { [ERROR_PORT]: batch.map((record) => ({ record, error: message, node: cell.id, attempts, offset: meta.offset })) };
  }

  /**
   * Nothing a node sets aside may vanish: records on an unwired port other than `out` (`error`,
   * `invalid`, `late`, `unmatched`, …) become dead letters. Errors keep the original records, one dead
   * letter per reason, so a replay re-processes them; other ports keep what was emitted, reasons included.
   */
  private keepUnwired(cell: NodeCell, port: string, records: readonly DataRecord[], meta: BatchMeta): void {
    if (port !== ERROR_PORT) {
      const error = `${records.length} records left by the unwired port "${port}"`;
      this.journal.addDeadLetter({ node: cell.id, offset: meta.offset, error, attempts: 1, records });
      return;
    }
    const byReason = new Map<string, { attempts: number; records: DataRecord[] }>();
    for (const r of records) {
      const reason = typeof r.error === 'string' ? (this.options.redact?.(r.error) ?? r.error) : 'sent to the error port';
      const original = r.record !== null && typeof r.record === 'object' ? (r.record as DataRecord) : r;
      const group = byReason.get(reason);
      if (group) group.records.push(original);
      else byReason.set(reason, { attempts: typeof r.attempts === 'number' ? r.attempts : 1, records: [original] });
    }
    for (const [error, { attempts, records: kept }] of byReason) {
      this.journal.addDeadLetter({ node: cell.id, offset: meta.offset, error, attempts, records: kept });
    }
  }

  /** What a tick makes due for the node itself joins its input, so it is processed (and retried) as input. */
  private takeDue(cell: NodeCell, now: number, inbox: Map<string, (readonly DataRecord[])[]>): void {
    let due: DataRecord[] | void;
    try {
      due = cell.instance.due!(now);
    } catch (err) {
      const message = cell.recordError(err);
      cell.setStatus({ state: 'error', text: `timer failed: ${message}` });
      return;
    }
    if (!due?.length) return;
    const parts = inbox.get(cell.id);
    if (parts) parts.push(due);
    else inbox.set(cell.id, [due]);
  }

  private tick(cell: NodeCell, now: number): Outputs | void {
    this.options.guard?.();
    try {
      return cell.instance.tick!(now);
    } catch (err) {
      const message = cell.recordError(err);
      cell.setStatus({ state: 'error', text: `timer failed: ${message}` });
      return undefined;
    }
  }

  /** An entry whose node left the flow in a redeploy: kept as a dead letter, never dropped. */
  private orphan(entry: JournalEntry): void {
    if (entry.records.length === 0) return;
    this.journal.addDeadLetter({
      node: entry.node, offset: entry.offset, attempts: 0, records: entry.records,
      error: `node "${entry.node}" is no longer in the deployed flow; its journaled records were not processed`,
    });
  }

  /** The barrier: sinks flush, stateful nodes snapshot, and both commit with the offset. */
  async checkpoint(): Promise<void> {
    this.lastCheckpointAt = Date.now();
    for (const cell of this.order) {
      if (!cell.instance.flush) continue;
      this.options.guard?.();
      try {
        await cell.instance.flush();
      } catch (err) {
        // Unflushed records are not acknowledged: keep the old checkpoint so they are replayed.
        const message = cell.recordError(err);
        cell.setStatus({ state: 'error', text: `flush failed, checkpoint postponed: ${message}` });
        return;
      }
    }
    const snapshots: { [id: string]: unknown } = {};
    for (const cell of this.order) {
      if (cell.instance.snapshot) snapshots[cell.id] = { identity: cell.compiled.identity, state: cell.instance.snapshot() };
    }
    this.options.guard?.();
    const committing = this.journal.commitCheckpoint(this.position, snapshots);
    if (committing) await committing;
    this.checkpointed = this.position;
    if (Date.now() - this.lastPruneAt >= this.options.pruneIntervalMs) {
      this.lastPruneAt = Date.now();
      const pruned = this.journal.prune(Date.now());
      if (pruned instanceof Promise) {
        pruned.catch((err: unknown) => this.options.log.warn('journal prune failed; retried at the next checkpoint', { error: String(err) }));
      }
    }
  }
}

function recoveredText(attempt: number, outage: { since: number } | undefined): string {
  if (!outage) return `recovered after ${attempt} attempts`;
  return `recovered after ${Math.round((Date.now() - outage.since) / 1000)} s unavailable`;
}
