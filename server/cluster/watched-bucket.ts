import type { KV } from '@nats-io/kv';
import type { Logger } from '../core/types.js';

/** A key as last seen, and when (this server's monotonic clock) its revision last changed. */
export interface Seen<T> {
  key: string;
  value: T | undefined;
  revision: number;
  /** performance.now() when this revision was first seen here. */
  seenAt: number;
  deleted: boolean;
}

/**
 * A live view of a KV bucket. Keys are judged by how long ago their revision changed *as seen here*: no clock of
 * another server is trusted, so clock skew between machines cannot make a lease look expired or alive.
 */
export class WatchedBucket<T> {
  private readonly seen = new Map<string, Seen<T>>();
  private loop: Promise<void> | undefined;
  private stopped = false;
  private stopWatch: (() => void) | undefined;

  constructor(readonly kv: KV, private readonly log: Logger, private readonly what: string) {}

  /** Resolves once the current values arrived (or after a short wait when there are none to tell). */
  async start(): Promise<void> {
    let ready: () => void = () => undefined;
    const initialized = new Promise<void>((resolve) => { ready = resolve; });
    this.loop = this.watch(ready);
    // Only an optimisation: writes are compare-and-set, so a view that is not complete yet loses a race, nothing more.
    await Promise.race([initialized, new Promise((r) => setTimeout(r, 500))]);
  }

  private async watch(ready: () => void): Promise<void> {
    while (!this.stopped) {
      try {
        const iter = await this.kv.watch({ key: '>' });
        this.stopWatch = () => iter.stop();
        for await (const e of iter) {
          if (e.isUpdate) ready();
          const prev = this.seen.get(e.key);
          if (prev && prev.revision === e.revision) continue;
          const deleted = e.operation !== 'PUT';
          let value: T | undefined;
          if (!deleted) {
            try {
              value = e.json<T>();
            } catch {
              value = undefined;
            }
          }
          this.seen.set(e.key, { key: e.key, value, revision: e.revision, seenAt: performance.now(), deleted });
        }
      } catch (err) {
        if (this.stopped) return;
        this.log.warn(`watching the ${this.what} stopped; watching again`, { error: String(err) });
        await new Promise((r) => setTimeout(r, 500));
      }
      ready();
    }
  }

  get(key: string): Seen<T> | undefined {
    return this.seen.get(key);
  }

  /** Records a write of our own at once (the watch echoes it later with the same revision). */
  note(key: string, value: T | undefined, revision: number): void {
    const prev = this.seen.get(key);
    if (prev && prev.revision >= revision) return;
    this.seen.set(key, { key, value, revision, seenAt: performance.now(), deleted: value === undefined });
  }

  entries(): Seen<T>[] {
    return [...this.seen.values()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.loop;
  }
}
