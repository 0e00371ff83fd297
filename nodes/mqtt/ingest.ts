import type { AppendOptions, DataRecord, NodeContext } from '../../server/core/types.js';
import { isJournalClosed, isJournalFull, isJournalUnavailable, isRecordsNotJson } from '../lib/source-appender.js';
import { sleep } from '../lib/sleep.js';

const MAX_BACKOFF_MS = 30_000;

/** What to journal instead when a message's records can never be journaled: the message, set aside. */
export type SetAside = (reason: string) => { records: DataRecord[]; options: AppendOptions };

/**
 * Journals one message's records and resolves true once committed: only then may the message be
 * acknowledged. A refused or failed append is retried (the message stays unacknowledged, so the
 * broker keeps it); false means the node stopped first and the message must not be acknowledged.
 * Records that can never be journaled are not retried: `setAside` says what to journal instead, so
 * one poison message cannot hold up the ones behind it.
 */
export class MessageJournal {
  private refusedSince = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly signal: AbortSignal,
    private readonly retryMs: number,
    /** Called when appends go through again after a refusal, so the node can restore its status. */
    private readonly onResume: () => void,
  ) {}

  get refused(): boolean {
    return this.refusedSince > 0;
  }

  async append(records: DataRecord[], options: AppendOptions, setAside: SetAside): Promise<boolean> {
    let failures = 0;
    for (;;) {
      if (this.signal.aborted) return false;
      try {
        // A retry repeats this very message: if an earlier attempt was stored after all, it must not be stored again.
        await this.ctx.append(records, failures > 0 ? { ...options, redelivery: true } : options);
        if (this.refusedSince > 0) {
          this.refusedSince = 0;
          this.onResume();
        }
        return true;
      } catch (err) {
        if (isJournalClosed(err)) return false;
        if (isRecordsNotJson(err) && options.port !== 'invalid') {
          const reason = err instanceof Error ? err.message : String(err);
          this.ctx.log.warn('message set aside: its records cannot be journaled', { error: reason });
          ({ records, options } = setAside(reason));
          continue;
        }
        failures++;
        if (!(await sleep(this.report(err, failures), this.signal))) return false;
      }
    }
  }

  private report(err: unknown, failures: number): number {
    const message = err instanceof Error ? err.message : String(err);
    if (isJournalFull(err) || isJournalUnavailable(err)) {
      if (this.refusedSince === 0) this.refusedSince = Date.now();
      this.ctx.status({ state: 'refused', text: `${message}; not acknowledging, the broker keeps the messages` });
      return this.retryMs;
    }
    this.refusedSince ||= Date.now();
    this.ctx.log.warn('append failed, retrying', { error: message, failures });
    this.ctx.status({ state: 'error', text: `append failed: ${message}; retrying` });
    return Math.min(MAX_BACKOFF_MS, this.retryMs * 2 ** (failures - 1));
  }
}
