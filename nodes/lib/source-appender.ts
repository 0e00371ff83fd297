import type { DataRecord, NodeContext } from '../../server/core/types.js';
import { sleep } from './sleep.js';

/** A run of consecutive sequence numbers `[start, end)` and their records. */
export interface Chunk {
  start: number;
  end: number;
  records: DataRecord[];
}

export interface AppenderOptions {
  /** Appends allowed in flight at once (2 lets the journal's group commit overlap with generation). */
  maxInFlight: number;
  /** Wait before retrying an append the journal refused (doubled, capped, for other failures). */
  retryMs: number;
  /** The sourceState committed with a chunk, given the sequence to resume from. */
  stateFor(nextSeq: number): unknown;
  /** After each commit: the highest committed end, and whether this commit ends a pause (refusal or failure). */
  onCommit(committed: number, resumed: boolean): void;
}

type Settled = { ok: true } | { ok: false; error: unknown };

const MAX_BACKOFF_MS = 30_000;

// Journal errors are matched by code so sources do not depend on the journal module.
function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

export const isJournalFull = (err: unknown): boolean => hasCode(err, 'JOURNAL_FULL');
export const isJournalClosed = (err: unknown): boolean => hasCode(err, 'JOURNAL_CLOSED');
/** The records can never be journaled (not JSON): retrying cannot help. */
export const isRecordsNotJson = (err: unknown): boolean => hasCode(err, 'RECORDS_NOT_JSON');
/** Cluster mode: NATS cannot be reached (or this server lost the source's lease): refuse, retry later. */
export const isJournalUnavailable = (err: unknown): boolean => hasCode(err, 'JOURNAL_UNAVAILABLE') || hasCode(err, 'JOURNAL_FENCED');

/**
 * Appends chunks of a sequence-numbered source with bounded pipelining, and turns refusals into a pause:
 * a refused chunk is retried as-is until it commits, so no sequence number is skipped or generated twice.
 */
export class SourceAppender {
  private readonly inFlight: { chunk: Chunk; settled: Promise<Settled> }[] = [];
  private committed: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly signal: AbortSignal,
    private readonly options: AppenderOptions,
    resumeFrom: number,
  ) {
    this.committed = resumeFrom;
  }

  /** Hands a chunk to the journal once there is room; false when stopped first (the chunk is not sent). */
  async push(chunk: Chunk): Promise<boolean> {
    while (this.inFlight.length >= this.options.maxInFlight) {
      if (!(await this.settleHead())) return false;
    }
    if (this.signal.aborted) return false;
    this.inFlight.push({ chunk, settled: this.send(chunk) });
    return true;
  }

  /** Waits for everything in flight; false when stopped while a refused chunk was still pending. */
  async drain(): Promise<boolean> {
    while (this.inFlight.length > 0) {
      if (!(await this.settleHead())) return false;
    }
    return true;
  }

  private send(chunk: Chunk): Promise<Settled> {
    // A retried chunk may commit after a later one did: never move the committed cursor backwards.
    const nextSeq = Math.max(chunk.end, this.committed);
    let pending: Promise<unknown>;
    try {
      pending = this.ctx.append(chunk.records, { sourceState: this.options.stateFor(nextSeq) });
    } catch (error) {
      // A synchronous throw is a failed append like any other: retried, never fatal to the source.
      pending = Promise.reject(error);
    }
    return pending.then((): Settled => ({ ok: true }), (error: unknown): Settled => ({ ok: false, error: error ?? new Error('append rejected without a reason') }));
  }

  private commit(chunk: Chunk, resumed: boolean): void {
    this.committed = Math.max(this.committed, chunk.end);
    this.options.onCommit(this.committed, resumed);
  }

  private async settleHead(): Promise<boolean> {
    const head = this.inFlight.shift();
    if (!head) return true;
    const result = await head.settled;
    if (result.ok) {
      this.commit(head.chunk, false);
      return true;
    }
    // Later chunks may still commit; settle them first so retries carry the highest committed cursor.
    const failed: Chunk[] = [head.chunk];
    let laterCommitted = false;
    for (const next of this.inFlight.splice(0)) {
      const r = await next.settled;
      if (r.ok) {
        this.commit(next.chunk, false);
        laterCommitted = true;
      } else {
        failed.push(next.chunk);
      }
    }
    // A later commit proves the journal has room again: retry at once, which also keeps short the
    // window in which a crash would leave the refused chunk's numbers behind the committed cursor.
    let error: unknown = laterCommitted ? undefined : result.error;
    for (const chunk of failed) {
      if (!(await this.retry(chunk, error))) return false;
      error = undefined;
    }
    return true;
  }

  private async retry(chunk: Chunk, firstError: unknown): Promise<boolean> {
    let error = firstError;
    let failures = 0;
    for (;;) {
      if (error !== undefined) {
        if (this.signal.aborted) return false;
        // A closed journal does not come back for this instance: the runtime is stopping the flow.
        if (hasCode(error, 'JOURNAL_CLOSED')) {
          this.ctx.log.info('journal closed, source stops', { seq: chunk.start });
          return false;
        }
        failures++;
        if (!(await sleep(this.report(chunk, error, failures), this.signal))) return false;
      }
      if (this.signal.aborted) return false;
      const r = await this.send(chunk);
      if (r.ok) {
        this.commit(chunk, failures > 0);
        return true;
      }
      error = r.error;
    }
  }

  /** Shows why the source is paused and returns how long to wait before the next attempt. */
  private report(chunk: Chunk, error: unknown, failures: number): number {
    const message = error instanceof Error ? error.message : String(error);
    if (isJournalFull(error)) {
      const why = message.replace(/^journal full:\s*/i, '');
      this.ctx.status({ state: 'refused', text: `journal full: ${why}; paused at seq ${chunk.start}` });
      return this.options.retryMs;
    }
    if (isJournalUnavailable(error)) {
      this.ctx.status({ state: 'refused', text: `${message}; paused at seq ${chunk.start}` });
      return this.options.retryMs;
    }
    this.ctx.log.warn('append failed, retrying', { seq: chunk.start, error: message, failures });
    this.ctx.status({ state: 'error', text: `append failed: ${message}; retrying` });
    return Math.min(MAX_BACKOFF_MS, this.options.retryMs * 2 ** (failures - 1));
  }
}
