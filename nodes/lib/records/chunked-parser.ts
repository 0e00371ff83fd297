import { detectEncoding, Transcoder, type TextEncoding } from './encoding.js';
import type { RecordParser } from './types.js';

/**
 * What every byte-scanning parser shares: chunks arrive in any size, the bytes of an unfinished row or
 * element wait in `pending` for the next one, and the encoding is recognised once at the start: a
 * UTF-8 byte order mark is skipped, UTF-16 and UTF-32 (with a byte order mark, or recognised by their
 * NUL bytes) are transcoded to UTF-8 before scanning, so rows, lines and reasons read the same.
 */
export abstract class ChunkedParser implements RecordParser {
  /** Bytes of an unfinished row or element, scanned again with the next chunk. */
  protected pending: Buffer | undefined;
  /** The input's encoding, known once the first bytes are in. */
  protected encoding: TextEncoding = 'UTF-8';
  private started = false;
  /** The first bytes, until there are enough to recognise the encoding. */
  private head: Buffer | undefined;
  private transcoder: Transcoder | undefined;

  push(chunk: Uint8Array): void {
    this.take(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), false);
  }

  end(): void {
    this.take(Buffer.alloc(0), true);
  }

  /** Scans `buf` from `pos`; whatever cannot be finished yet goes to `pending` (unless `final`). */
  protected abstract scanFrom(buf: Buffer, pos: number, final: boolean): void;

  /** Why bytes at `at` (from the start of `what`) are not text, in the words of the input's encoding. */
  protected invalidText(at: number, what: string): string {
    if (this.encoding === 'UTF-8') return `invalid UTF-8 at byte ${at + 1}${what ? ` of ${what}` : ''}`;
    return `invalid ${this.encoding}${what ? ` in ${what}` : ''}: an unpaired surrogate or a cut code unit`;
  }

  private take(chunk: Buffer, final: boolean): void {
    if (!this.started) {
      const head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const detected = detectEncoding(head, final);
      if (!detected) {
        this.head = head;
        return;
      }
      this.started = true;
      this.head = undefined;
      this.encoding = detected.encoding;
      if (detected.encoding !== 'UTF-8') this.transcoder = new Transcoder(detected.encoding);
      chunk = head.subarray(detected.bom);
    }
    if (this.transcoder) {
      const text = this.transcoder.push(chunk);
      chunk = final ? Buffer.concat([text, this.transcoder.end()]) : text;
    }
    this.feed(chunk, final);
  }

  protected feed(chunk: Buffer, final: boolean): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    this.scanFrom(buf, 0, final);
  }
}
