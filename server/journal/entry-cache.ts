import type { JournalEntry } from './journal.js';

/**
 * Recently committed entries, kept so an executor that keeps up reads them without a database
 * round trip and a JSON parse. The cache is always a contiguous run ending at the head; when it
 * would exceed its budget (a slow sink) it is dropped, and the reader goes to the database until
 * it has caught up, so memory stays bounded however far the executor falls behind.
 */
export class EntryCache {
  private entries: JournalEntry[] = [];
  private sizes: number[] = [];
  private start = 0;
  private bytes = 0;
  /** False from an overflow until a reader asks for the entry after the head. */
  private enabled = true;
  private lastAdded: number;

  constructor(private readonly maxBytes: number, head: number) {
    this.lastAdded = head;
  }

  add(entry: JournalEntry, size: number): void {
    this.lastAdded = entry.offset;
    if (!this.enabled) return;
    if (this.bytes + size > this.maxBytes) {
      this.clear();
      this.enabled = false;
      return;
    }
    this.entries.push(entry);
    this.sizes.push(size);
    this.bytes += size;
  }

  /**
   * Entries after `after`, at most `max` of them and, past the first, at most `maxBytes` of payload; or
   * undefined when the cache cannot answer (the caller reads the database).
   */
  read(after: number, max: number, maxBytes = Infinity): JournalEntry[] | undefined {
    if (!this.enabled) {
      if (after < this.lastAdded) return undefined;
      this.enabled = true;
      return [];
    }
    this.dropThrough(after);
    const first = this.entries[this.start];
    if (!first) return after >= this.lastAdded ? [] : undefined;
    if (first.offset !== after + 1) return undefined;
    let end = this.start;
    let bytes = 0;
    const last = Math.min(this.entries.length, this.start + max);
    while (end < last && (end === this.start || bytes < maxBytes)) bytes += this.sizes[end++]!;
    return this.entries.slice(this.start, end);
  }

  private dropThrough(offset: number): void {
    while (this.start < this.entries.length && this.entries[this.start]!.offset <= offset) {
      this.bytes -= this.sizes[this.start]!;
      this.start++;
    }
    // Entries before `start` still hold their records: compact once they are half the array (amortised
    // O(1)), whatever their count, or a few large entries (e.g. 20,000-record file chunks) pin the heap.
    if (this.start > 0 && this.start * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.sizes = this.sizes.slice(this.start);
      this.start = 0;
    }
  }

  private clear(): void {
    this.entries = [];
    this.sizes = [];
    this.start = 0;
    this.bytes = 0;
  }
}
