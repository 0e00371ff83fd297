import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataRecord } from '../core/types.js';
import type { DeadLetter, DeadLetterState, JournalStats } from '../runtime/api.js';
import { DeadLetterNotPendingError, DeadLetterStore } from './dead-letter-store.js';
import { Checkpointer } from './checkpointer.js';
import { EntryCache } from './entry-cache.js';
import { JournalClosedError, JournalFullError, RecordsNotJsonError, whyNotJson } from './errors.js';
import type { Checkpoint, EntryKind, Journal, JournalEntry, JournalOptions, NewDeadLetter } from './journal.js';
import { migrate } from './schema.js';

interface Pending {
  kind: EntryKind;
  node: string;
  port: string;
  records: readonly DataRecord[];
  payload: string;
  ts: number;
  sourceState?: unknown;
  deadLetter?: number;
  resolve: (ack: { offset: number }) => void;
  reject: (err: Error) => void;
}

interface Row { offset: number; ts: number; kind: EntryKind; node: string; port: string; payload: string }

export const DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3;
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;
/**
 * The entry cache's budget, in JSON bytes. The cache holds parsed records, about twice their JSON
 * size, and a reader that keeps up needs only the last few entries; one that falls behind further
 * reads the database anyway. Entries that wait long are promoted to V8's old generation, which is
 * collected lazily: 32 MB let a slow sink's flow grow by 240 MB of RSS, 8 MB by 110 MB.
 */
const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;
/**
 * One read returns at most this much payload (and at least one entry), whatever the entry count asked
 * for: entries are parsed into objects several times the size of their JSON, and held until processed.
 */
const READ_MAX_BYTES = 4 * 1024 * 1024;
/** A group commit is cut at this size so one transaction never holds the event loop for long. */
const GROUP_MAX_BYTES = 8 * 1024 * 1024;
const PAGE_SIZE = 16_384;
const CHECKPOINT_EVERY_BYTES = 16 * 1024 * 1024;
const WAL_RESTART_BYTES = 64 * 1024 * 1024;
const PRUNE_CHUNK = 5000;
const PRUNE_CHUNKS = 20;

/** The embedded journal: one SQLite database in WAL mode per deployed flow, group-committed. */
export class SqliteJournal implements Journal {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly cache: EntryCache;
  private readonly letters: DeadLetterStore;
  private readonly stmt: { [name: string]: Statement };
  private readonly listeners: ((head: number) => void)[] = [];
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private closed = false;
  /** Dead letters whose replay entry is queued but not committed yet. */
  private readonly replaying = new Set<number>();
  private headOffset: number;
  /** The first entry not pruned (head + 1 when the journal is empty). */
  private oldestOffset: number;
  private headCum: number;
  private checkpointCum: number;
  /** Snapshots are kept as the committed JSON text: a node's live state must not leak into it. */
  private lastCheckpoint: { offset: number; at: number; snapshots: string } | undefined;
  private quotaBytes: number;
  private retentionMs: number;
  private readonly path: string;
  /** Payload bytes committed since the last checkpoint was asked for. */
  private uncheckpointedBytes = 0;
  private checkpointing: Promise<void> | undefined;
  /** Pages in the log at the last checkpoint: past WAL_RESTART_BYTES the next one makes the log start over. */
  private walPages = 0;
  /** Why checkpoints went back to SQLite's own (in the committing thread), if the checkpoint thread failed. */
  private checkpointThreadError: string | null = null;
  private readonly pageSize: number;

  constructor(options: JournalOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    // Entries are batches of tens to hundreds of KB, stored as overflow chains: 16 KB pages cut the pages
    // written per entry fourfold (the in-process benchmark's journaling ran about 15 % faster than with 4 KB).
    // Only a new journal takes it; an existing one keeps the page size it was created with.
    this.db.pragma(`page_size = ${PAGE_SIZE}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    // The checkpoint thread copies the log into the database (see checkpointIfDue), not the committing thread.
    this.db.pragma('wal_autocheckpoint = 0');
    this.path = options.path;
    this.pageSize = this.db.pragma('page_size', { simple: true }) as number;
    migrate(this.db);
    this.now = options.now ?? Date.now;
    this.quotaBytes = options.quotaBytes ?? DEFAULT_QUOTA_BYTES;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.letters = new DeadLetterStore(this.db, this.now);
    this.stmt = {
      insert: this.db.prepare(`INSERT INTO entries (offset, ts, kind, node, port, count, cum_bytes, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      source: this.db.prepare(`INSERT INTO source_state (node, state, offset) VALUES (?, ?, ?)
        ON CONFLICT (node) DO UPDATE SET state = excluded.state, offset = excluded.offset`),
      readSource: this.db.prepare(`SELECT state FROM source_state WHERE node = ?`),
      read: this.db.prepare(`SELECT offset, ts, kind, node, port, payload FROM entries WHERE offset > ? ORDER BY offset LIMIT ?`),
      cumAt: this.db.prepare(`SELECT cum_bytes FROM entries WHERE offset = ?`),
      saveCheckpoint: this.db.prepare(`INSERT INTO checkpoint (id, offset, cum_bytes, at, snapshots) VALUES (1, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET offset = excluded.offset, cum_bytes = excluded.cum_bytes, at = excluded.at, snapshots = excluded.snapshots`),
      pruneCandidates: this.db.prepare(`SELECT offset, ts FROM entries WHERE offset >= ? AND offset <= ? ORDER BY offset LIMIT ${PRUNE_CHUNK}`),
      prune: this.db.prepare(`DELETE FROM entries WHERE offset <= ?`),
      oldest: this.db.prepare(`SELECT offset, ts, cum_bytes - length(payload) AS before FROM entries ORDER BY offset LIMIT 1`),
    };
    const cp = this.db.prepare(`SELECT offset, cum_bytes, at, snapshots FROM checkpoint WHERE id = 1`).get() as
      { offset: number; cum_bytes: number; at: number; snapshots: string } | undefined;
    this.lastCheckpoint = cp && { offset: cp.offset, at: cp.at, snapshots: cp.snapshots };
    this.checkpointCum = cp?.cum_bytes ?? 0;
    const last = this.db.prepare(`SELECT offset, cum_bytes FROM entries ORDER BY offset DESC LIMIT 1`).get() as
      { offset: number; cum_bytes: number } | undefined;
    // Pruning never passes the checkpoint, so the checkpoint bounds the head when the table is empty.
    this.headOffset = Math.max(last?.offset ?? 0, cp?.offset ?? 0);
    this.headCum = Math.max(last?.cum_bytes ?? 0, this.checkpointCum);
    const first = this.db.prepare(`SELECT min(offset) AS o FROM entries`).get() as { o: number | null };
    this.oldestOffset = first.o ?? this.headOffset + 1;
    this.cache = new EntryCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES, this.headOffset);
  }

  append(node: string, port: string, records: readonly DataRecord[], sourceState?: unknown): Promise<{ offset: number }> {
    let payload: string;
    try {
      payload = JSON.stringify(records);
    } catch (err) {
      return Promise.reject(new RecordsNotJsonError(whyNotJson(records, err)));
    }
    const backlog = this.headCum - this.checkpointCum + this.pendingBytes;
    if (backlog + payload.length > this.quotaBytes) return Promise.reject(new JournalFullError(backlog, this.quotaBytes));
    return this.enqueue({ kind: 'data', node, port, records, payload, ts: this.now(), sourceState });
  }

  appendTick(ts: number): Promise<{ offset: number }> {
    return this.enqueue({ kind: 'tick', node: '', port: '', records: [], payload: '[]', ts });
  }

  replayDeadLetter(id: number): Promise<{ offset: number }> {
    const letter = this.letters.get(id);
    if (!letter || letter.state !== 'pending' || this.replaying.has(id)) {
      return Promise.reject(new DeadLetterNotPendingError(id, this.replaying.has(id) ? 'replayed' : letter?.state));
    }
    this.replaying.add(id);
    const done = this.enqueue({
      kind: 'replay', node: letter.nodeId, port: 'in', records: letter.records,
      payload: JSON.stringify(letter.records), ts: this.now(), deadLetter: id,
    });
    return done.finally(() => this.replaying.delete(id));
  }

  private enqueue(p: Omit<Pending, 'resolve' | 'reject'>): Promise<{ offset: number }> {
    if (this.closed) return Promise.reject(new JournalClosedError());
    return new Promise((resolve, reject) => {
      this.pending.push({ ...p, resolve, reject });
      this.pendingBytes += p.payload.length;
      if (this.pendingBytes >= GROUP_MAX_BYTES) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One transaction for everything appended since the last flush: the group commit. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
    const startOffset = this.headOffset;
    const startCum = this.headCum;
    const committed: JournalEntry[] = [];
    try {
      this.db.transaction(() => {
        let offset = startOffset;
        let cum = startCum;
        for (const p of batch) {
          offset++;
          cum += p.payload.length;
          this.stmt.insert!.run(offset, p.ts, p.kind, p.node, p.port, p.records.length, cum, p.payload);
          if (p.sourceState !== undefined) this.stmt.source!.run(p.node, JSON.stringify(p.sourceState), offset);
          if (p.deadLetter !== undefined) this.letters.mark(p.deadLetter, 'replayed', offset);
          committed.push({ offset, ts: p.ts, kind: p.kind, node: p.node, port: p.port, records: p.records });
        }
        this.headOffset = offset;
        this.headCum = cum;
      })();
    } catch (err) {
      this.headOffset = startOffset;
      this.headCum = startCum;
      for (const p of batch) p.reject(err as Error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      this.cache.add(committed[i]!, batch[i]!.payload.length);
      batch[i]!.resolve({ offset: committed[i]!.offset });
    }
    for (const l of this.listeners) l(this.headOffset);
    this.uncheckpointedBytes += this.headCum - startCum;
    this.checkpointIfDue();
  }

  /**
   * SQLite's own checkpoint would copy the log into the database in the thread that just committed, about
   * every 16 MB: as much work again as the commits (the in-process benchmark spent half its SQLite time there).
   * The checkpoint thread does it instead. A PASSIVE checkpoint never blocks commits but cannot make the log
   * start over while commits keep coming, so once the log passes WAL_RESTART_BYTES one RESTART checkpoint waits
   * for a gap between commits and rewinds it.
   */
  private checkpointIfDue(): void {
    if (this.checkpointing || this.checkpointThreadError !== null || this.uncheckpointedBytes < CHECKPOINT_EVERY_BYTES) return;
    this.uncheckpointedBytes = 0;
    const mode = this.walPages * this.pageSize >= WAL_RESTART_BYTES ? 'RESTART' : 'PASSIVE';
    this.checkpointing = Checkpointer.checkpoint(this.path, mode).then(
      (r) => { this.walPages = mode === 'RESTART' && !r.busy ? 0 : r.walPages; },
      (err: Error) => {
        this.checkpointThreadError = err.message;
        if (!this.closed) this.db.pragma('wal_autocheckpoint = 1000');
      },
    ).finally(() => { this.checkpointing = undefined; });
  }

  read(after: number, maxEntries: number): JournalEntry[] {
    const cached = this.cache.read(after, maxEntries, READ_MAX_BYTES);
    if (cached) return cached;
    const entries: JournalEntry[] = [];
    let bytes = 0;
    for (const r of this.stmt.read!.iterate(after, maxEntries) as IterableIterator<Row>) {
      entries.push({ offset: r.offset, ts: r.ts, kind: r.kind, node: r.node, port: r.port, records: JSON.parse(r.payload) as DataRecord[] });
      bytes += r.payload.length;
      if (bytes >= READ_MAX_BYTES) break;
    }
    return entries;
  }

  *export(after: number, limit: number): Iterable<JournalEntry> {
    for (const r of this.stmt.read!.iterate(after, limit) as IterableIterator<Row>) {
      yield { offset: r.offset, ts: r.ts, kind: r.kind, node: r.node, port: r.port, records: JSON.parse(r.payload) as DataRecord[] };
    }
  }

  onCommit(listener: (head: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  head(): number {
    return this.headOffset;
  }

  sourceState(node: string): unknown {
    const row = this.stmt.readSource!.get(node) as { state: string } | undefined;
    return row ? JSON.parse(row.state) : undefined;
  }

  checkpoint(): Checkpoint | undefined {
    const cp = this.lastCheckpoint;
    return cp && { offset: cp.offset, at: cp.at, snapshots: JSON.parse(cp.snapshots) as Checkpoint['snapshots'] };
  }

  commitCheckpoint(offset: number, snapshots: { [nodeId: string]: unknown }): void {
    if (offset > this.headOffset) throw new Error(`checkpoint offset ${offset} is past the journal head ${this.headOffset}`);
    const row = this.stmt.cumAt!.get(offset) as { cum_bytes: number } | undefined;
    const cum = row?.cum_bytes ?? this.checkpointCum;
    const at = this.now();
    const text = JSON.stringify(snapshots);
    this.stmt.saveCheckpoint!.run(offset, cum, at, text);
    this.lastCheckpoint = { offset, at, snapshots: text };
    this.checkpointCum = cum;
  }

  /**
   * Deletes a prefix of the journal: entries behind the checkpoint, up to the first one still inside
   * the audit window. Pruning only ever removes a prefix, so the entries left are contiguous and
   * their count is known without scanning. At most PRUNE_CHUNKS chunks per call keep the event loop free.
   */
  prune(now: number): number {
    const upTo = this.lastCheckpoint?.offset ?? 0;
    const cutoff = now - this.retentionMs;
    let deleted = 0;
    for (let chunk = 0; chunk < PRUNE_CHUNKS; chunk++) {
      const rows = this.stmt.pruneCandidates!.all(this.oldestOffset, upTo) as { offset: number; ts: number }[];
      const keepFrom = rows.findIndex((r) => r.ts >= cutoff);
      const last = keepFrom < 0 ? rows.at(-1)?.offset : rows[keepFrom - 1]?.offset;
      if (last === undefined) break;
      deleted += this.stmt.prune!.run(last).changes;
      this.oldestOffset = last + 1;
      if (keepFrom >= 0 || rows.length < PRUNE_CHUNK) break;
    }
    return deleted;
  }

  stats(): JournalStats {
    const oldest = this.stmt.oldest!.get() as { offset: number; ts: number; before: number } | undefined;
    return {
      head: this.headOffset,
      checkpoint: this.lastCheckpoint?.offset ?? 0,
      entries: this.headOffset - this.oldestOffset + 1,
      bytes: oldest ? this.headCum - oldest.before : 0,
      backlogBytes: this.headCum - this.checkpointCum + this.pendingBytes,
      quotaBytes: this.quotaBytes,
      oldestTs: oldest?.ts ?? null,
      checkpointThreadError: this.checkpointThreadError,
    };
  }

  addDeadLetter(letter: NewDeadLetter): void {
    this.letters.add(letter);
  }

  deadLetters(query: { state?: DeadLetterState; limit?: number; afterId?: number }): DeadLetter[] {
    return this.letters.list(query);
  }

  deadLetter(id: number): DeadLetter | undefined {
    return this.letters.get(id);
  }

  pendingDeadLetters(): number {
    return this.letters.pending();
  }

  discardDeadLetter(id: number): void {
    if (this.replaying.has(id)) throw new DeadLetterNotPendingError(id, 'replayed');
    this.letters.mark(id, 'discarded', null);
  }

  configure(settings: { quotaBytes?: number; retentionMs?: number }): void {
    this.quotaBytes = settings.quotaBytes ?? DEFAULT_QUOTA_BYTES;
    this.retentionMs = settings.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.checkpointing;
    // The last connection to close checkpoints the rest of the log and removes it.
    await Checkpointer.forget(this.path);
    this.db.close();
  }
}
