import type { DataRecord } from '../core/types.js';
import type { DeadLetter, DeadLetterState, JournalStats } from '../runtime/api.js';

export type EntryKind = 'data' | 'tick' | 'replay';

/**
 * One journal entry: a batch appended by a source (`data`), a wall-clock tick that drives timers
 * (`tick`), or dead letters journaled again into the node that failed them (`replay`).
 */
export interface JournalEntry {
  offset: number;
  ts: number;
  kind: EntryKind;
  /** Source node for `data`, target node for `replay`, empty for `tick`. */
  node: string;
  port: string;
  records: readonly DataRecord[];
}

export interface Checkpoint {
  offset: number;
  at: number;
  snapshots: { [nodeId: string]: unknown };
}

export interface NewDeadLetter {
  node: string;
  offset: number;
  error: string;
  attempts: number;
  records: readonly DataRecord[];
}

/**
 * The flow's ordered log. SQLite is the embedded implementation; the interface is what a
 * JetStream-backed journal would implement too, and nothing outside the journal module sees SQL.
 */
export interface Journal {
  /**
   * Resolves after the group commit that made the records durable. Rejects with `JournalFullError` past the
   * quota (retry later) and `RecordsNotJsonError` (code `RECORDS_NOT_JSON`) for records that can never be
   * encoded (retrying cannot help: sources set them aside).
   */
  append(node: string, port: string, records: readonly DataRecord[], sourceState?: unknown): Promise<{ offset: number }>;
  appendTick(ts: number): Promise<{ offset: number }>;
  /** Entries after `after`, oldest first, at most `maxEntries`. */
  read(after: number, maxEntries: number): JournalEntry[];
  /** Called after each commit with the new head; returns the unsubscribe function. */
  onCommit(listener: (head: number) => void): () => void;
  head(): number;
  sourceState(node: string): unknown;
  checkpoint(): Checkpoint | undefined;
  commitCheckpoint(offset: number, snapshots: { [nodeId: string]: unknown }): void;
  /** Deletes entries behind the checkpoint older than the retention window; returns how many. */
  prune(now: number): number;
  stats(): JournalStats;
  export(after: number, limit: number): Iterable<JournalEntry>;

  addDeadLetter(letter: NewDeadLetter): void;
  deadLetters(query: { state?: DeadLetterState; limit?: number; afterId?: number }): DeadLetter[];
  deadLetter(id: number): DeadLetter | undefined;
  pendingDeadLetters(): number;
  /** Journals the dead letter's records as a `replay` entry and marks it replayed, in one transaction. */
  replayDeadLetter(id: number): Promise<{ offset: number }>;
  discardDeadLetter(id: number): void;

  /** Applies a redeployed flow's quota and audit window. */
  configure(settings: { quotaBytes?: number; retentionMs?: number }): void;
  close(): Promise<void>;
}

export interface JournalOptions {
  path: string;
  /** `normal`: durable across process crashes (WAL, synchronous=NORMAL). `full`: fsync every commit. */
  durability?: 'normal' | 'full';
  quotaBytes?: number;
  retentionMs?: number;
  /** Bytes of recently committed entries kept in memory so a caught-up executor skips the read back. */
  cacheBytes?: number;
  now?: () => number;
}
