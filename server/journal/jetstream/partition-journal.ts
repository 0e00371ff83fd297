import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { DataRecord, Logger } from '../../core/types.js';
import type { Checkpoint, JournalEntry, NewDeadLetter, TaskJournal } from '../journal.js';
import type { CheckpointStore, ClaimedCheckpoint } from './checkpoint-store.js';
import { allRecords, decodeHeader, mayHoldRecords, sliceRecords } from './entry-codec.js';
import { DUPLICATE_WINDOW_MS, SeenIds } from './seen-ids.js';

/** A stored message's headers and time (ms), as a headers-only read gives them. */
export interface StoredHeaders { seq: number; time: number; headers: MsgHdrs }

/** What a partition needs of its flow's journal. */
export interface PartitionHost {
  readonly flowId: string;
  readonly log: Logger;
  readonly checkpoints: CheckpointStore;
  consumer(stage: number, startSeq: number): Promise<ConsumerMessages>;
  /** Headers of the stage's messages stored within `windowMs` before message `upTo` (its time), up to it. */
  headersBefore(stage: number, upTo: number, windowMs: number): AsyncIterable<StoredHeaders>;
  publishTick(stage: number, partition: number, ts: number): Promise<number>;
  addDeadLetter(letter: NewDeadLetter & { stage: number; partition: number }): Promise<void>;
  pruneStage(stage: number, now: number): Promise<number>;
  keys(stage: number, partition: number): { checkpoint: string; snapshots: string };
}

export interface PartitionSpec {
  stage: number;
  partition: number;
  partitions: number;
  /** The partition of a record, for entries written when the stage had another number of partitions. */
  partitionOf(record: DataRecord): number;
  owner: string;
  lease: number;
}

/** Entries held ahead of the executor at most (about), so a slow sink keeps memory flat. */
const BUFFER_BYTES = 16 * 1024 * 1024;
const BUFFER_ENTRIES = 512;
/**
 * Message ids a stage-0 partition remembers at most: about 100 bytes each, so 300,000 (500 source appends a
 * second holding records for this partition, for the whole 10-minute window) stay under 30 MB.
 */
const MAX_SEEN_IDS = 300_000;

const messageTime = (m: JsMsg): number => Number(m.timestampNanos / 1_000_000n);

/**
 * One partition of one stage, as its owner's executor sees it: an ordered consumer on the stage's stream from the
 * checkpoint on, of which it decodes only its own slices, and the checkpoint committed by compare-and-set on the
 * key it claimed. Entries of other partitions come through as empty entries, so offsets stay the stream's sequences.
 */
export class PartitionJournal implements TaskJournal {
  private buffer: JournalEntry[] = [];
  private sizes: number[] = [];
  private bufferBytes = 0;
  private readonly listeners: ((head: number) => void)[] = [];
  private drained: (() => void) | undefined;
  private messages: ConsumerMessages | undefined;
  private pump: Promise<void> | undefined;
  private stopped = false;
  private lastSeen = 0;
  private streamHead = 0;
  private revision: number;
  private readonly committed: Checkpoint | undefined;
  /** Boundary dedup: the newest origin taken, and the changes not yet covered by a checkpoint. */
  private readonly origins: { [from: string]: number };
  private committedOrigins: { [from: string]: number };
  private pendingOrigins: { offset: number; from: string; seq: number }[] = [];
  private readonly letters = new Set<Promise<void>>();
  private letterError: Error | undefined;
  /** Stage 0: ids of the source appends taken, so one stored twice (a failed JetStream dedupe) is taken once. */
  private readonly seen = new SeenIds(DUPLICATE_WINDOW_MS, MAX_SEEN_IDS);
  private repeats = 0;
  private boundWarned = false;

  constructor(private readonly host: PartitionHost, private readonly spec: PartitionSpec, claimed: ClaimedCheckpoint) {
    this.revision = claimed.revision;
    this.committed = claimed.checkpoint;
    this.origins = { ...claimed.origins };
    this.committedOrigins = { ...claimed.origins };
    this.lastSeen = claimed.checkpoint?.offset ?? 0;
    this.streamHead = this.lastSeen;
  }

  async start(): Promise<void> {
    if (this.spec.stage === 0) await this.seedSeen();
    this.messages = await this.host.consumer(this.spec.stage, this.lastSeen + 1);
    this.pump = this.pumpFrom(this.messages);
  }

  /** Takes messages into the buffer, pausing while it is full; a consumer that fails is made again after the last taken. */
  private async pumpFrom(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (!this.stopped) {
      try {
        messages ??= this.messages = await this.host.consumer(this.spec.stage, this.lastSeen + 1);
        for await (const m of messages) {
          if (this.stopped) return;
          this.take(m);
          while (!this.stopped && (this.bufferBytes > BUFFER_BYTES || this.buffer.length > BUFFER_ENTRIES)) {
            await new Promise<void>((resolve) => { this.drained = resolve; });
          }
        }
      } catch (err) {
        if (this.stopped) return;
        this.host.log.warn('reading the partition failed; reading again after the last entry taken', {
          flow: this.host.flowId, stage: this.spec.stage, partition: this.spec.partition, after: this.lastSeen, error: String(err),
        });
        await new Promise((r) => setTimeout(r, 500));
      }
      await messages?.close().catch(() => undefined);
      messages = undefined;
    }
  }

  /**
   * A repeat's first copy may lie before the checkpoint (taken by the previous owner, or before a restart): the ids
   * of the window before it are read from headers only, so a takeover reads no bodies it will not process.
   */
  private async seedSeen(): Promise<void> {
    if (this.lastSeen === 0) return;
    const began = Date.now();
    const { partition, partitions } = this.spec;
    for await (const m of this.host.headersBefore(0, this.lastSeen, DUPLICATE_WINDOW_MS)) {
      const id = m.headers.get('Nats-Msg-Id');
      if (id && mayHoldRecords(decodeHeader(m.headers), partition, partitions)) this.seen.remember(id, m.time);
    }
    this.host.log.info('message ids of the duplicate window before the checkpoint read', {
      flow: this.host.flowId, stage: 0, partition, ids: this.seen.size, ms: Date.now() - began,
    });
    this.warnIfBounded();
  }

  /** Past its bound the memory forgets ids early, and repeats of those are taken again: said once. */
  private warnIfBounded(): void {
    if (this.boundWarned || this.seen.evictedEarly === 0) return;
    this.boundWarned = true;
    this.host.log.warn(`more than ${MAX_SEEN_IDS} source appends in the duplicate window: the oldest message ids are forgotten early`, {
      flow: this.host.flowId, stage: this.spec.stage, partition: this.spec.partition,
    });
  }

  /** Source appends stored twice under one message id (JetStream's dedupe failed, or was off): the repeats. */
  get duplicatesDropped(): number {
    return this.repeats;
  }

  private take(m: JsMsg): void {
    if (m.seq <= this.lastSeen) return;
    this.lastSeen = m.seq;
    this.streamHead = Math.max(this.streamHead, m.seq + m.info.pending);
    const entry = this.once(m, this.decode(m));
    this.buffer.push(entry);
    this.sizes.push(m.data.length);
    this.bufferBytes += m.data.length;
    for (const l of this.listeners) l(m.seq);
  }

  /**
   * Stage 0: an entry whose message id was taken within the duplicate window is a second copy of one source
   * append (the publisher stores a fresh id when a fresh append meets a known one), so it becomes an empty entry.
   * Later stages take boundary output once by its origin instead.
   */
  private once(m: JsMsg, entry: JournalEntry): JournalEntry {
    const id = this.spec.stage === 0 && entry.records.length > 0 ? m.headers?.get('Nats-Msg-Id') : undefined;
    if (!id) return entry;
    const first = this.seen.repeatOf(id, messageTime(m));
    if (first === undefined) {
      this.warnIfBounded();
      return entry;
    }
    this.repeats++;
    this.host.log.warn('a journal entry is stored twice under one message id (JetStream dropped no duplicate); taking it once', {
      flow: this.host.flowId, stage: this.spec.stage, partition: this.spec.partition, seq: m.seq, id, sinceFirstMs: messageTime(m) - first,
    });
    return { offset: m.seq, ts: entry.ts, kind: 'data', node: '', port: 'out', records: [] };
  }

  private decode(m: JsMsg): JournalEntry {
    const h = decodeHeader(m.headers);
    const { partition, partitions } = this.spec;
    const skip = (): JournalEntry => ({ offset: m.seq, ts: h.ts, kind: 'data', node: '', port: 'out', records: [] });
    if (h.target !== undefined) {
      if (h.target !== partition) return skip();
      return { offset: m.seq, ts: h.ts, kind: h.kind, node: h.node, port: h.port, records: sliceRecords(m.data, h, 0) };
    }
    if (h.origin) {
      // A stage before that replayed from its checkpoint journals the same origins again: take each once.
      const from = `${h.node}:${h.origin.partition}`;
      if (h.origin.seq <= (this.origins[from] ?? 0)) return skip();
      this.origins[from] = h.origin.seq;
      this.pendingOrigins.push({ offset: m.seq, from, seq: h.origin.seq });
    }
    const records = h.slices.length === partitions
      ? sliceRecords(m.data, h, partition)
      : allRecords(m.data, h).filter((r) => this.spec.partitionOf(r) === partition);
    return { offset: m.seq, ts: h.ts, kind: h.kind, node: h.node, port: h.port, records };
  }

  read(after: number, maxEntries: number): JournalEntry[] {
    let drop = 0;
    while (drop < this.buffer.length && this.buffer[drop]!.offset <= after) {
      this.bufferBytes -= this.sizes[drop]!;
      drop++;
    }
    if (drop > 0) {
      this.buffer = this.buffer.slice(drop);
      this.sizes = this.sizes.slice(drop);
      const wake = this.drained;
      this.drained = undefined;
      wake?.();
    }
    return this.buffer.length <= maxEntries ? this.buffer.slice() : this.buffer.slice(0, maxEntries);
  }

  onCommit(listener: (head: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The newest sequence of the stage's stream this reader knows of. */
  head(): number {
    return this.streamHead;
  }

  appendTick(ts: number): Promise<{ offset: number }> {
    return this.host.publishTick(this.spec.stage, this.spec.partition, ts).then((offset) => ({ offset }));
  }

  checkpoint(): Checkpoint | undefined {
    return this.committed;
  }

  async commitCheckpoint(offset: number, snapshots: { [nodeId: string]: unknown }): Promise<void> {
    // Dead letters of the entries this checkpoint covers must be stored first, or a crash would lose them.
    await Promise.all([...this.letters]);
    if (this.letterError) throw this.letterError;
    const taken = this.pendingOrigins.filter((o) => o.offset <= offset);
    this.pendingOrigins = this.pendingOrigins.filter((o) => o.offset > offset);
    const origins = { ...this.committedOrigins };
    for (const o of taken) origins[o.from] = o.seq;
    const { checkpoint, snapshots: subject } = this.host.keys(this.spec.stage, this.spec.partition);
    this.revision = await this.host.checkpoints.commit(checkpoint, subject, this.revision, {
      offset, owner: this.spec.owner, lease: this.spec.lease, origins,
    }, JSON.stringify(snapshots));
    this.committedOrigins = origins;
  }

  prune(now: number): Promise<number> {
    return this.spec.partition === 0 ? this.host.pruneStage(this.spec.stage, now) : Promise.resolve(0);
  }

  addDeadLetter(letter: NewDeadLetter): void {
    const p = this.host.addDeadLetter({ ...letter, stage: this.spec.stage, partition: this.spec.partition })
      .catch((err: unknown) => { this.letterError ??= err instanceof Error ? err : new Error(String(err)); })
      .finally(() => this.letters.delete(p));
    this.letters.add(p);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.drained?.();
    await this.messages?.close().catch(() => undefined);
    await this.pump;
  }
}
