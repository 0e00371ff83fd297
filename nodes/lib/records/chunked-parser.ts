import { isBom } from './text.js';
import type { RecordParser } from './types.js';

/**
 * What every byte-scanning parser shares: chunks arrive in any size, the bytes of an unfinished row or
 * element wait in `pending` for the next one, and a UTF-8 byte order mark is skipped once at the start.
 */
export abstract class ChunkedParser implements RecordParser {
  /** Bytes of an unfinished row or element, scanned again with the next chunk. */
  protected pending: Buffer | undefined;
  private started = false;

  push(chunk: Uint8Array): void {
    this.feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), false);
  }

  end(): void {
    this.feed(Buffer.alloc(0), true);
  }

  /** Scans `buf` from `pos`; whatever cannot be finished yet goes to `pending` (unless `final`). */
  protected abstract scanFrom(buf: Buffer, pos: number, final: boolean): void;

  protected feed(chunk: Buffer, final: boolean): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let pos = 0;
    if (!this.started) {
      // A byte order mark split over two chunks is still one: decide once three bytes are there.
      if (buf.length < 3 && !final) {
        this.pending = buf;
        return;
      }
      this.started = true;
      if (isBom(buf, 0)) pos = 3;
    }
    this.scanFrom(buf, pos, final);
  }
}
