import { writeSync } from 'node:fs';

/**
 * What a head-to-head sink has seen: readings (by their `seq`, so duplicates from an at-least-once replay count
 * once), closed rollup windows, and a histogram of publish-to-sink latency. Sluice's sink, Node-RED's sink node
 * and the bare subscriber all feed one of these, so each system pays the same bookkeeping cost.
 */
export interface TallyReport {
  received: number;
  distinct: number;
  windows: number;
  /** Date.now() when the last reading arrived. */
  lastAt: number;
  /** Date.now() when the first reading arrived. */
  firstAt: number;
}

export interface LatencyStats { p50: number; p99: number; max: number; samples: number }

// 1 ms buckets up to 10 s, then 100 ms buckets up to 10 min: a few hundred KB whatever the run length.
const FINE = 10_000;
const BUCKETS = FINE + 5_900;
const bucketOf = (ms: number) => (ms < FINE ? Math.max(0, Math.floor(ms)) : Math.min(BUCKETS - 1, FINE + Math.floor((ms - FINE) / 100)));
const msOf = (bucket: number) => (bucket < FINE ? bucket : FINE + (bucket - FINE) * 100);

export class Tally {
  private readonly seen: Uint8Array;
  private readonly histogram = new Uint32Array(BUCKETS);
  private fresh: number[] = [];
  received = 0;
  distinct = 0;
  windows = 0;
  lastAt = 0;
  firstAt = 0;

  /**
   * With `seqFile` (an fd opened for appending), each batch's new keys are written to it before the batch
   * counts as delivered: the write survives a SIGKILL of the process, so a crash run counts exactly.
   */
  constructor(readonly total: number, private readonly seqFile?: number) {
    this.seen = new Uint8Array(total);
  }

  /** One reading: `seq` is its key, `sent` the publisher's Date.now() when it was sent; `now` the arrival time. */
  reading(seq: number, sent: number, now: number): void {
    this.count(1, now);
    this.histogram[bucketOf(now - sent)]!++;
    if (seq >= 0 && seq < this.total && this.seen[seq] === 0) {
      this.seen[seq] = 1;
      this.distinct++;
      if (this.seqFile !== undefined) this.fresh.push(seq);
    }
  }

  /** Readings without a key or send time (the in-process workload). */
  count(n: number, now: number): void {
    if (this.received === 0) this.firstAt = now;
    this.received += n;
    this.lastAt = now;
  }

  /** Any record: a published reading when it has `seq` and `sent`, a closed window when it has `window_start`. */
  record(r: Record<string, unknown>, now: number): void {
    if (typeof r.seq === 'number' && typeof r.sent === 'number') this.reading(r.seq, r.sent, now);
    else if (r.window_start !== undefined) this.windows++;
    else this.count(1, now);
  }

  /** Called by the sink at the end of each batch (Sluice) or message (Node-RED, the bare subscriber). */
  endBatch(): void {
    if (this.seqFile === undefined || this.fresh.length === 0) return;
    const keys = Uint32Array.from(this.fresh);
    this.fresh = [];
    writeSync(this.seqFile, new Uint8Array(keys.buffer));
  }

  report(): TallyReport {
    return { received: this.received, distinct: this.distinct, windows: this.windows, lastAt: this.lastAt, firstAt: this.firstAt };
  }

  latency(): LatencyStats {
    let samples = 0;
    for (const n of this.histogram) samples += n;
    const at = (q: number) => {
      const rank = Math.ceil(q * samples);
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += this.histogram[b]!;
        if (seen >= rank && seen > 0) return msOf(b);
      }
      return 0;
    };
    let max = 0;
    for (let b = BUCKETS - 1; b >= 0; b--) if (this.histogram[b]! > 0) { max = msOf(b); break; }
    return { p50: at(0.5), p99: at(0.99), max, samples };
  }
}
