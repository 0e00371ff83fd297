import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsLink } from '../../cluster/nats-link.js';
import { isNotFound } from '../../cluster/nats-link.js';
import type { FlowPlan } from '../../core/partitioning.js';
import type { DataRecord, Logger } from '../../core/types.js';
import type { DeadLetter, DeadLetterState, JournalStats } from '../../runtime/api.js';
import { DEFAULT_QUOTA_BYTES, DEFAULT_RETENTION_MS } from '../sqlite-journal.js';
import { JournalFullError } from '../errors.js';
import type { FlowJournal, JournalEntry, NewDeadLetter } from '../journal.js';
import { CheckpointStore } from './checkpoint-store.js';
import { DeadLetterStream } from './dead-letter-stream.js';
import { allRecords, decodeHeader, entryState, kindToken } from './entry-codec.js';
import { token } from './names.js';
import { PartitionJournal, type PartitionHost, type PartitionSpec, type StoredHeaders } from './partition-journal.js';
import { EntryPublisher, type Prepared } from './publisher.js';
import { DUPLICATE_WINDOW_MS } from './seen-ids.js';

export interface JetStreamFlowOptions {
  link: NatsLink;
  flowId: string;
  plan: FlowPlan;
  /** The partition of a record in each stage. */
  partitionOf: ((record: DataRecord) => number)[];
  replicas: number;
  serverId: string;
  log: Logger;
  quotaBytes?: number;
  retentionMs?: number;
}

/** The shared stores of a cluster's journals, opened once per server. */
export interface JetStreamStores {
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStream;
}

export async function openStores(link: NatsLink): Promise<JetStreamStores> {
  return { checkpoints: await CheckpointStore.open(link), deadLetters: await DeadLetterStream.open(link) };
}

/** Appends of one source node by one writer, carrying its state forward (see `sourceWriter`). */
export interface SourceWriter {
  readonly state: unknown;
  append(port: string, records: readonly DataRecord[], options?: { sourceState?: unknown; id?: string; redelivery?: boolean }): Promise<{ offset: number }>;
}

interface StageFigures { first: number; last: number; messages: number; bytes: number; firstTs: number | null; checkpoint: number }

const REFRESH_MS = 1000;
/** What a reader of a stage pulls at once (see `pullBytes`): half the bytes a partition holds ahead of its executor. */
const PULL_BYTES = 8 * 1024 * 1024;
/** Message ids are remembered this long: a server restarted within it drops what its broker delivers again. */
const DUPLICATE_WINDOW_NS = DUPLICATE_WINDOW_MS * 1e6;

/**
 * A flow's journal in JetStream: one stream per stage (`…_J_<flow>_<stage>`, replicated `replicas` times), whose
 * entries each hold every partition's slice of a batch, so a source's append — records and cursor — is one
 * quorum write. Checkpoints, dead letters and snapshots live in the cluster's shared stores.
 */
export class JetStreamFlowJournal implements FlowJournal, PartitionHost {
  readonly flowId: string;
  readonly log: Logger;
  readonly checkpoints: CheckpointStore;
  private readonly publisher: EntryPublisher;
  private quotaBytes: number;
  private retentionMs: number;
  private figures: StageFigures[] = [];
  private pendingLetters = 0;
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<void> | undefined;
  private readonly partitions = new Set<PartitionJournal>();

  private constructor(private readonly options: JetStreamFlowOptions, private readonly stores: JetStreamStores) {
    this.flowId = options.flowId;
    this.log = options.log;
    this.checkpoints = stores.checkpoints;
    this.publisher = new EntryPublisher(options.link, options.serverId);
    this.quotaBytes = options.quotaBytes ?? DEFAULT_QUOTA_BYTES;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  static async open(options: JetStreamFlowOptions, stores: JetStreamStores): Promise<JetStreamFlowJournal> {
    const { link, flowId, plan, replicas } = options;
    for (const stage of plan.stages) {
      // The description records how the stage is partitioned: the checkpoints hold state per partition.
      const description = `sluice flow ${flowId} stage ${stage.index}: ${stage.partitions} partitions by [${stage.keyFields.join(', ')}]`;
      const name = link.names.journalStream(flowId, stage.index);
      const info = await link.streamInfo(name);
      if (info && info.state.messages > 0 && info.config.description && info.config.description !== description) {
        throw new Error(`stage ${stage.index} of flow "${flowId}" runs as "${info.config.description}"; its partitions cannot change under `
          + `its checkpointed state (each partition's state holds only its own keys): deploy the new partitioning under a new flow id`);
      }
      await link.ensureStream({
        name, subjects: [`${link.names.journalSubjects(flowId, stage.index)}.>`], description,
        num_replicas: replicas, allow_direct: true, duplicate_window: DUPLICATE_WINDOW_NS,
      });
    }
    const journal = new JetStreamFlowJournal(options, stores);
    await journal.refresh();
    return journal;
  }

  get replicas(): number {
    return this.options.replicas;
  }

  private subject(stage: number, kind: 'data' | 'tick' | 'replay', node: string, writer: string): string {
    return this.options.link.names.entrySubject(this.flowId, stage, kindToken(kind), node, writer);
  }

  private split(stage: number, records: readonly DataRecord[]): DataRecord[][] {
    const count = this.options.plan.stages[stage]!.partitions;
    if (count === 1) return [records as DataRecord[]];
    const parts: DataRecord[][] = Array.from({ length: count }, () => []);
    const of = this.options.partitionOf[stage]!;
    for (const r of records) parts[of(r)]!.push(r);
    return parts;
  }

  /**
   * A source's appends as `writer` (`lease` for a singleton, whose next owner must find its state; the server id
   * for a source running on every server). A singleton writes with an expected last sequence on its subject, so a
   * stale owner's append after a takeover is refused by JetStream itself (JournalFencedError).
   */
  async sourceWriter(node: string, writer: string, fenced: boolean): Promise<SourceWriter> {
    const subject = this.subject(0, 'data', node, writer);
    const stream = this.options.link.names.journalStream(this.flowId, 0);
    const last = await this.options.link.readSoon((jsm) => jsm.streams.getMessage(stream, { last_by_subj: subject }));
    let state = last ? entryState(last.data, decodeHeader(last.header)) : undefined;
    let lastSeq = last?.seq ?? 0;
    let queue: Promise<unknown> = Promise.resolve();
    type Options = Parameters<SourceWriter['append']>[2];
    const send = async (pieces: Prepared, carried: unknown, options: Options = {}): Promise<{ offset: number }> => {
      const seqs = await this.publisher.send(subject, pieces, fenced ? lastSeq : undefined,
        options.id === undefined ? undefined : { id: `${token(node)}.${options.id}`, redelivery: options.redelivery === true });
      lastSeq = seqs.at(-1)!;
      state = carried;
      return { offset: lastSeq };
    };
    return {
      get state() { return state; },
      // Async, so a refusal (quota, records JSON cannot hold) is a rejection like any other failed append.
      append: async (port, records, options = {}) => {
        this.refuseOverQuota();
        // An append carries its own state, or the last committed one (taken when it is sent, never a queued one's).
        const build = () => {
          const carried = options.sourceState ?? state;
          return { carried, pieces: this.publisher.prepare({ kind: 'data', node, port, ts: Date.now(), parts: this.split(0, records), state: carried }) };
        };
        if (!fenced) {
          const b = build();
          return send(b.pieces, b.carried, options);
        }
        // A fenced writer's appends are chained, each expecting the sequence of the one before; one that brings its
        // own state is encoded now, while the one before waits for its PubAck.
        const eager = options.sourceState !== undefined ? build() : undefined;
        const run = queue.then(() => {
          const b = eager ?? build();
          return send(b.pieces, b.carried, options);
        });
        queue = run.catch(() => undefined);
        return run;
      },
    };
  }

  /** A stage boundary's output into stage `stage`, tagged with where it came from so a replay is taken once. */
  async publishBoundary(stage: number, node: string, records: readonly DataRecord[], origin: { partition: number; seq: number }, ts: number): Promise<void> {
    this.refuseOverQuota();
    await this.publisher.publish(this.subject(stage, 'data', node, `p${origin.partition}`), {
      kind: 'data', node, port: 'out', ts, parts: this.split(stage, records), origin,
    });
  }

  async publishTick(stage: number, partition: number, ts: number): Promise<number> {
    const [seq] = await this.publisher.publish(this.subject(stage, 'tick', '', `p${partition}`), { kind: 'tick', node: '', port: 'out', ts, parts: [[]], target: partition });
    return seq!;
  }

  private refuseOverQuota(): void {
    const backlog = this.backlogBytes();
    // The backlog is known to the last refresh (a second): the bound is approximate by one second of appends.
    if (backlog > this.quotaBytes) throw new JournalFullError(backlog, this.quotaBytes);
  }

  keys(stage: number, partition: number): { checkpoint: string; snapshots: string } {
    const names = this.options.link.names;
    return { checkpoint: names.partitionKey(this.flowId, stage, partition), snapshots: names.snapshotSubject(this.flowId, stage, partition) };
  }

  /** Claims the partition's checkpoint under `lease` and starts reading after it. */
  async partition(stage: number, partition: number, owner: string, lease: number): Promise<PartitionJournal> {
    const keys = this.keys(stage, partition);
    const claimed = await this.checkpoints.claim(keys.checkpoint, keys.snapshots, owner, lease);
    const spec: PartitionSpec = {
      stage, partition, partitions: this.options.plan.stages[stage]!.partitions, partitionOf: this.options.partitionOf[stage]!, owner, lease,
    };
    const journal = new PartitionJournal(this, spec, claimed);
    await journal.start();
    this.partitions.add(journal);
    const close = journal.close.bind(journal);
    journal.close = async () => {
      this.partitions.delete(journal);
      await close();
    };
    return journal;
  }

  async consumer(stage: number, startSeq: number): Promise<ConsumerMessages> {
    const consumer = await this.options.link.js.consumers.get(this.options.link.names.journalStream(this.flowId, stage), {
      deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq,
    });
    return consumer.consume({ max_bytes: this.pullBytes() });
  }

  /**
   * Bytes a reader asks for at once. Bounded by bytes, not messages: 64 entries of 760 KB in flight per reader
   * outgrew what a NATS server holds for one connection (max_pending, 64 MB) when a server read two partitions,
   * and its PONGs queued behind them, so it was disconnected as a slow consumer and its partitions stalled. At
   * least two of the largest messages, or a pull could never be answered.
   */
  private pullBytes(): number {
    return Math.max(PULL_BYTES, 2 * this.options.link.maxPayload);
  }

  async *headersBefore(stage: number, upTo: number, windowMs: number): AsyncIterable<StoredHeaders> {
    const { link } = this.options;
    const stream = link.names.journalStream(this.flowId, stage);
    const last = await link.readSoon((jsm) => jsm.streams.getMessage(stream, { seq: upTo }))
      .catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
    // Purged: everything before it is purged too (purges cut a prefix), so there is nothing to read.
    if (!last) return;
    const consumer = await link.js.consumers.get(stream, {
      deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(last.time.getTime() - windowMs).toISOString(), headers_only: true,
    });
    const messages = await consumer.consume({ max_messages: 4096 });
    try {
      for await (const m of messages) {
        if (m.seq > upTo) break;
        if (m.headers) yield { seq: m.seq, time: Number(m.timestampNanos / 1_000_000n), headers: m.headers };
        if (m.seq === upTo || m.info.pending === 0) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  }

  addDeadLetter(letter: NewDeadLetter & { stage: number; partition: number }): Promise<void> {
    return this.stores.deadLetters.add(this.flowId, letter);
  }

  /**
   * Stage 0 keeps its entries behind every partition's checkpoint for the audit window (it is the raw audit log);
   * later stages only until every partition checkpointed past them.
   */
  async pruneStage(stage: number, now: number): Promise<number> {
    const { link, plan } = this.options;
    const stream = link.names.journalStream(this.flowId, stage);
    let upTo = Infinity;
    for (let p = 0; p < plan.stages[stage]!.partitions; p++) upTo = Math.min(upTo, await this.checkpoints.offset(this.keys(stage, p).checkpoint));
    if (!Number.isFinite(upTo) || upTo === 0) return 0;
    // The duplicate window behind a checkpoint stays too: a takeover reads its message ids (PartitionJournal).
    if (stage === 0) upTo = await this.lastBefore(stream, upTo, now - Math.max(this.retentionMs, DUPLICATE_WINDOW_MS));
    if (upTo === 0) return 0;
    const r = await link.jsm.streams.purge(stream, { seq: upTo + 1 });
    return r.purged;
  }

  /** The newest sequence ≤ `upTo` stored before `cutoff` (0 when none): a binary search on message times. */
  private async lastBefore(stream: string, upTo: number, cutoff: number): Promise<number> {
    const info = await this.options.link.jsm.streams.info(stream);
    let lo = info.state.first_seq;
    let hi = Math.min(upTo, info.state.last_seq);
    let found = 0;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = await this.options.link.jsm.streams.getMessage(stream, { seq: mid }).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
      if (!m) { lo = mid + 1; continue; }
      if (m.time.getTime() < cutoff) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.measure()
      .catch((err: unknown) => { this.log.warn('journal figures not refreshed', { flow: this.flowId, error: String(err) }); })
      .finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  private async measure(): Promise<void> {
    if (!this.options.link.connected) return;
    const { link, plan } = this.options;
    const figures: StageFigures[] = [];
    for (const stage of plan.stages) {
      // Quick and asked again: measured first during the deploy, when the stream may have just been created.
      const name = link.names.journalStream(this.flowId, stage.index);
      const info = await link.streamInfo(name);
      if (!info) throw new Error(`stream ${name} is missing`);
      let checkpoint = Infinity;
      for (let p = 0; p < stage.partitions; p++) checkpoint = Math.min(checkpoint, await this.checkpoints.offset(this.keys(stage.index, p).checkpoint));
      const s = info.state;
      figures.push({ first: s.first_seq, last: s.last_seq, messages: s.messages, bytes: s.bytes, firstTs: s.messages > 0 ? Date.parse(s.first_ts) : null, checkpoint });
    }
    this.figures = figures;
    this.pendingLetters = await this.stores.deadLetters.pending(this.flowId);
  }

  /** Checkpoint lag of every stage, in bytes: entries after the slowest partition's checkpoint, at the mean entry size. */
  private backlogBytes(): number {
    let total = 0;
    for (const f of this.figures) {
      if (f.messages === 0) continue;
      const behind = Math.max(0, f.last - Math.max(f.checkpoint, f.first - 1));
      total += Math.round((behind * f.bytes) / f.messages);
    }
    return total;
  }

  /** Head, checkpoint and entries of stage 0 (the raw journal); bytes of every stage. */
  stats(): JournalStats {
    const raw = this.figures[0];
    return {
      head: raw?.last ?? 0,
      checkpoint: raw ? Math.min(raw.checkpoint, raw.last) : 0,
      entries: raw?.messages ?? 0,
      bytes: this.figures.reduce((n, f) => n + f.bytes, 0),
      backlogBytes: this.backlogBytes(),
      quotaBytes: this.quotaBytes,
      oldestTs: raw?.firstTs ?? null,
      checkpointThreadError: null,
    };
  }

  /** Figures per stage for the cluster view: newest sequence of each stage's stream. */
  stageHeads(): number[] {
    return this.figures.map((f) => f.last);
  }

  /** The raw journal (stage 0), every partition's records of each entry. */
  async *export(after: number, limit: number): AsyncIterable<JournalEntry> {
    const stream = this.options.link.names.journalStream(this.flowId, 0);
    const info = await this.options.link.jsm.streams.info(stream);
    if (info.state.messages === 0 || after >= info.state.last_seq) return;
    const consumer = await this.options.link.js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 });
    const messages = await consumer.consume({ max_bytes: this.pullBytes() });
    let n = 0;
    try {
      for await (const m of messages) {
        const h = decodeHeader(m.headers);
        yield { offset: m.seq, ts: h.ts, kind: h.kind, node: h.node, port: h.port, records: allRecords(m.data, h) };
        if (++n >= limit || m.info.pending === 0) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  }

  deadLetters(query: { state?: DeadLetterState; limit?: number; afterId?: number }): Promise<DeadLetter[]> {
    return this.stores.deadLetters.list(this.flowId, query);
  }

  deadLetter(id: number): Promise<DeadLetter | undefined> {
    return this.stores.deadLetters.get(this.flowId, id);
  }

  pendingDeadLetters(): number {
    return this.pendingLetters;
  }

  /** The letter's records go back, as a `replay` entry, into the node and partition that failed them. */
  async replayDeadLetter(id: number): Promise<{ offset: number }> {
    const letter = await this.stores.deadLetters.get(this.flowId, id);
    if (!letter) return Promise.reject(new Error(`no dead letter ${id}`));
    const offset = await this.stores.deadLetters.replay(this.flowId, id, async () => {
      const [seq] = await this.publisher.publish(this.subject(letter.stage, 'replay', letter.nodeId, `dl${id}`), {
        kind: 'replay', node: letter.nodeId, port: 'in', ts: Date.now(), parts: [letter.records], target: letter.partition,
      });
      return seq!;
    });
    this.pendingLetters = Math.max(0, this.pendingLetters - 1);
    return { offset };
  }

  async discardDeadLetter(id: number): Promise<void> {
    await this.stores.deadLetters.discard(this.flowId, id);
    this.pendingLetters = Math.max(0, this.pendingLetters - 1);
  }

  configure(settings: { quotaBytes?: number; retentionMs?: number }): void {
    this.quotaBytes = settings.quotaBytes ?? DEFAULT_QUOTA_BYTES;
    this.retentionMs = settings.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    await Promise.all([...this.partitions].map((p) => p.close()));
  }
}
