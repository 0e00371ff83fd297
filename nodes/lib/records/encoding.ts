/**
 * Which Unicode encoding a text is in, from its first bytes, and a streaming transcoder to UTF-8 for
 * the ones that are not UTF-8. Loggers and spreadsheets export UTF-16 ("Unicode text" in Excel) with a
 * byte order mark, sometimes without: read as UTF-8 such a file is NUL bytes and nonsense, so its
 * header would be refused and its first data row taken for the header. Every parser decodes them.
 */

export type TextEncoding = 'UTF-8' | 'UTF-16 LE' | 'UTF-16 BE' | 'UTF-32 LE' | 'UTF-32 BE';

export interface Detected {
  encoding: TextEncoding;
  /** Bytes of the byte order mark, skipped. */
  bom: number;
}

/** Bytes looked at to recognise UTF-16/32 without a byte order mark. */
export const SNIFF_BYTES = 64;

/** Byte that is never valid in UTF-8: what the transcoder writes for an unpaired surrogate or a cut code unit. */
export const BAD_UNIT = 0xff;

/**
 * The encoding of a text starting with `head`, or undefined while fewer than SNIFF_BYTES are there and
 * more may come. A byte order mark decides; without one, ASCII-range text in UTF-16 or UTF-32 shows
 * as NUL bytes at fixed positions, which UTF-8 text never has.
 */
export function detectEncoding(head: Uint8Array, final: boolean): Detected | undefined {
  const b = head;
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return { encoding: 'UTF-32 LE', bom: 4 };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'UTF-32 BE', bom: 4 };
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'UTF-8', bom: 3 };
  // FF FE 00 00 could still become UTF-32: wait for the fourth byte.
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe && (b.length >= 4 || final)) return { encoding: 'UTF-16 LE', bom: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'UTF-16 BE', bom: 2 };
  if (b.length < SNIFF_BYTES && !final) return undefined;
  return { encoding: nulPattern(b.subarray(0, SNIFF_BYTES)), bom: 0 };
}

/** UTF-16/32 recognised by where the NUL bytes are; UTF-8 when they are not in a pattern. */
function nulPattern(b: Uint8Array): TextEncoding {
  if (looksLike(b, 4, 0)) return 'UTF-32 LE';
  if (looksLike(b, 4, 3)) return 'UTF-32 BE';
  if (looksLike(b, 2, 0)) return 'UTF-16 LE';
  if (looksLike(b, 2, 1)) return 'UTF-16 BE';
  return 'UTF-8';
}

/** Units of `unit` bytes whose byte `low` is never NUL and whose other bytes mostly are (ASCII-range text). */
function looksLike(b: Uint8Array, unit: number, low: number): boolean {
  const n = Math.floor(b.length / unit);
  if (n < 2) return false;
  let highZeros = 0;
  for (let i = 0; i < n * unit; i += unit) {
    if (b[i + low] === 0) return false;
    for (let k = 0; k < unit; k++) if (k !== low && b[i + k] === 0) highZeros++;
  }
  return highZeros >= 0.75 * n * (unit - 1);
}

/**
 * UTF-16 or UTF-32 bytes to UTF-8, chunk by chunk (a code unit or a surrogate pair may be split between
 * chunks). What is not a character (an unpaired surrogate, a value past U+10FFFF, a cut last unit)
 * becomes BAD_UNIT, so the row holding it is reported invalid instead of being changed silently.
 */
export class Transcoder {
  private carry: Buffer = Buffer.alloc(0);
  private readonly unit: number;
  private readonly little: boolean;

  constructor(readonly encoding: Exclude<TextEncoding, 'UTF-8'>) {
    this.unit = encoding.startsWith('UTF-32') ? 4 : 2;
    this.little = encoding.endsWith('LE');
  }

  push(chunk: Buffer): Buffer {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const out = Buffer.allocUnsafe(Math.ceil(buf.length / this.unit) * 4 + 4);
    let o = 0;
    let i = 0;
    const unitAt = (at: number): number => this.read(buf, at);
    while (i + this.unit <= buf.length) {
      let cp = unitAt(i);
      let used = this.unit;
      if (this.unit === 2 && cp >= 0xd800 && cp <= 0xdbff) {
        if (i + 4 > buf.length) break;
        const low = unitAt(i + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          used = 4;
        } else {
          cp = -1;
        }
      } else if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        cp = -1;
      }
      o = writeUtf8(out, o, cp);
      i += used;
    }
    this.carry = Buffer.from(buf.subarray(i));
    return out.subarray(0, o);
  }

  /** What is left at the end: a cut code unit is one bad character. */
  end(): Buffer {
    const rest = this.carry.length > 0 ? Buffer.from([BAD_UNIT]) : Buffer.alloc(0);
    this.carry = Buffer.alloc(0);
    return rest;
  }

  private read(buf: Buffer, at: number): number {
    if (this.unit === 2) return this.little ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
    return this.little ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }
}

function writeUtf8(out: Buffer, o: number, cp: number): number {
  if (cp < 0) {
    out[o] = BAD_UNIT;
    return o + 1;
  }
  if (cp < 0x80) {
    out[o] = cp;
    return o + 1;
  }
  if (cp < 0x800) {
    out[o] = 0xc0 | (cp >> 6);
    out[o + 1] = 0x80 | (cp & 0x3f);
    return o + 2;
  }
  if (cp < 0x10000) {
    out[o] = 0xe0 | (cp >> 12);
    out[o + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[o + 2] = 0x80 | (cp & 0x3f);
    return o + 3;
  }
  out[o] = 0xf0 | (cp >> 18);
  out[o + 1] = 0x80 | ((cp >> 12) & 0x3f);
  out[o + 2] = 0x80 | ((cp >> 6) & 0x3f);
  out[o + 3] = 0x80 | (cp & 0x3f);
  return o + 4;
}

/** The whole of a short text (a message payload) in UTF-8, with the encoding it was in. */
export function toUtf8(bytes: Uint8Array): { text: Buffer; encoding: TextEncoding } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const detected = detectEncoding(buf, true)!;
  const body = buf.subarray(detected.bom);
  if (detected.encoding === 'UTF-8') return { text: body, encoding: 'UTF-8' };
  const t = new Transcoder(detected.encoding);
  return { text: Buffer.concat([t.push(body), t.end()]), encoding: detected.encoding };
}
