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
 * What one executor reads and commits: the entries of one partition of one stage of a flow (the whole
 * flow in single-node mode). Reads are served from memory or local storage and never wait on a network:
 * a journal that reads from a remote log buffers ahead and calls the commit listeners as entries arrive.
 */
export interface TaskJournal {
  /** Entries after `after`, oldest first, at most `maxEntries`. */
  read(after: number, maxEntries: number): JournalEntry[];
  /** Called after each commit with the new head; returns the unsubscribe function. */
  onCommit(listener: (head: number) => void): () => void;
  head(): number;
  appendTick(ts: number): Promise<{ offset: number }>;
  checkpoint(): Checkpoint | undefined;
  /**
   * Commits `{offset, snapshots}`. A remote journal resolves after the quorum write and rejects with
   * `JournalFencedError` when another server took the partition over: the caller must stop at once.
   */
  commitCheckpoint(offset: number, snapshots: { [nodeId: string]: unknown }): void | Promise<void>;
  /** Deletes entries behind the checkpoint older than the retention window; returns how many. */
  prune(now: number): number | Promise<number>;
  addDeadLetter(letter: NewDeadLetter): void;
}

/** What the manager and the API see of a flow's journal, whichever way it is stored. */
export interface FlowJournal {
  stats(): JournalStats;
  export(after: number, limit: number): Iterable<JournalEntry> | AsyncIterable<JournalEntry>;
  deadLetters(query: { state?: DeadLetterState; limit?: number; afterId?: number }): DeadLetter[] | Promise<DeadLetter[]>;
  deadLetter(id: number): DeadLetter | undefined | Promise<DeadLetter | undefined>;
  pendingDeadLetters(): number;
  /** Journals the dead letter's records as a `replay` entry and marks it replayed. */
  replayDeadLetter(id: number): Promise<{ offset: number }>;
  discardDeadLetter(id: number): void | Promise<void>;
  /** Applies a redeployed flow's quota and audit window. */
  configure(settings: { quotaBytes?: number; retentionMs?: number }): void;
  close(): Promise<void>;
}

/**
 * The flow's ordered log on one machine: the flow journal and its single task at once. SQLite is the
 * embedded implementation; JetStream backs cluster mode (server/journal/jetstream), and nothing outside
 * the journal module sees SQL or subjects.
 */
export interface Journal extends TaskJournal, FlowJournal {
  /**
   * Resolves after the group commit that made the records durable. Rejects with `JournalFullError` past the
   * quota (retry later) and `RecordsNotJsonError` (code `RECORDS_NOT_JSON`) for records that can never be
   * encoded (retrying cannot help: sources set them aside).
   */
  append(node: string, port: string, records: readonly DataRecord[], sourceState?: unknown): Promise<{ offset: number }>;
  sourceState(node: string): unknown;
  commitCheckpoint(offset: number, snapshots: { [nodeId: string]: unknown }): void;
  prune(now: number): number;
  export(after: number, limit: number): Iterable<JournalEntry>;
  deadLetters(query: { state?: DeadLetterState; limit?: number; afterId?: number }): DeadLetter[];
  deadLetter(id: number): DeadLetter | undefined;
  discardDeadLetter(id: number): void;
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
