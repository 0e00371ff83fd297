/** JetStream's duplicate window on the journal's streams: the longest a retry or redelivery is dropped as a repeat. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * Message ids a partition took, each with its message time, for as long as JetStream's duplicate window: within
 * it a second stored message with a known id is a dedupe that failed (JetStream before 2.11 decides it on the
 * stream leader's memory, which a leader change loses); after it, the same id is a fresh delivery and is taken.
 * Oldest first (stream order), so forgetting stops at the first id still inside the window.
 */
export class SeenIds {
  private readonly ids = new Map<string, number>();
  private evicted = 0;

  /** `max` bounds memory: past it the oldest ids are forgotten early (counted in `evictedEarly`). */
  constructor(private readonly windowMs: number, private readonly max: number) {}

  /** The time `id` was first taken when that is within the window before `ts`; otherwise remembers it and undefined. */
  repeatOf(id: string, ts: number): number | undefined {
    const first = this.ids.get(id);
    if (first !== undefined && ts - first <= this.windowMs) return first;
    this.remember(id, ts);
    return undefined;
  }

  remember(id: string, ts: number): void {
    this.ids.delete(id);
    this.ids.set(id, ts);
    this.forget(ts);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Ids forgotten before their window ended because of `max`: repeats of those would be taken again. */
  get evictedEarly(): number {
    return this.evicted;
  }

  private forget(now: number): void {
    for (const [id, ts] of this.ids) {
      const expired = now - ts > this.windowMs;
      if (!expired && this.ids.size <= this.max) return;
      if (!expired) this.evicted++;
      this.ids.delete(id);
    }
  }
}
