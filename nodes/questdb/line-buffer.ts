/**
 * Request bodies are written as bytes straight into reused buffers. Building the text as a string and
 * converting it at the end cost more than the encoding itself (joined strings are flattened, then
 * converted to UTF-8), and a fresh Buffer per request is external memory that makes V8 collect far
 * more often.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(INITIAL_BYTES);
  }

  give(buf: Buffer): void {
    if (this.free.length < MAX_FREE) this.free.push(buf);
  }
}

// Small, since a table template can spread a slice over many tables; buffers handed back keep their grown size.
const INITIAL_BYTES = 4096;
// One buffer per table of each slice in flight; more than this are left to the collector.
const MAX_FREE = 16;

const BACKSLASH = 92;
const QUOTE = 34;

/** ASCII bytes that need a backslash: in names and symbols (space , = \ line breaks), in strings (" \ line breaks). */
const TAG_ESCAPE = new Uint8Array(128);
const STRING_ESCAPE = new Uint8Array(128);
for (const c of ' ,=\\\n\r') TAG_ESCAPE[c.charCodeAt(0)] = 1;
for (const c of '"\\\n\r') STRING_ESCAPE[c.charCodeAt(0)] = 1;
const TAG_SPECIAL_G = /[ ,=\n\r\\]/g;
const STRING_SPECIAL_G = /["\n\r\\]/g;

/**
 * Writes the decimal digits of a non-negative safe integer at `at` and returns how many bytes it
 * wrote. With `point` > 0 a decimal point goes before the last `point` digits, zero-padded so that
 * at least one digit precedes it.
 */
function digitsOf(v: number, buf: Buffer, at: number, point: number): number {
  if (v >= 2147483648 && point === 0) {
    // Beyond 2^31 a division is a double division: write the part above 10^9, then 9 digits with integer arithmetic.
    const high = Math.floor(v / 1e9);
    const n = digitsOf(high, buf, at, 0);
    writeDigits(v - high * 1e9, buf, at + n, 9);
    return n + 9;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  if (point === 0) {
    writeDigits(v, buf, at, digits);
    return digits;
  }
  if (digits <= point) digits = point + 1;
  let k = at + digits;
  for (let d = 0; d < digits; d++) {
    if (d === point) buf[k--] = 46; /* . */
    const q = Math.floor(v / 10);
    buf[k--] = 48 + (v - q * 10);
    v = q;
  }
  return digits + 1;
}

/** The last `count` decimal digits of v (< 2^31), zero-padded, at `at`. */
function writeDigits(v: number, buf: Buffer, at: number, count: number): void {
  for (let k = at + count - 1; k >= at; k--) {
    const q = (v / 10) | 0;
    buf[k] = 48 + (v - q * 10);
    v = q;
  }
}

/** Bytes of line protocol text, growing by doubling; `length` bytes of `buf` are used. */
export class LineBuffer {
  buf: Buffer;
  length = 0;

  constructor(private readonly pool?: BufferPool) {
    this.buf = pool ? pool.take() : Buffer.allocUnsafe(256);
  }

  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    // The smaller buffer is not given back: the pool keeps buffers of the size requests need.
    this.buf = bigger;
  }

  /** Hands the buffer back to the pool; the LineBuffer must not be used afterwards. */
  release(): void {
    this.pool?.give(this.buf);
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.length++] = c;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.length = p;
  }

  /** Text known to be ASCII (numbers). */
  ascii(s: string): void {
    this.reserve(s.length);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** A safe integer in decimal, without a string in between. */
  int(v: number): void {
    this.reserve(17);
    const buf = this.buf;
    let p = this.length;
    if (v < 0) {
      buf[p++] = 45;
      v = -v;
    }
    this.length = p + digitsOf(v, buf, p, 0);
  }

  /**
   * `m / 10^fractionDigits` in fixed notation (`-0.0125` for m = -125, 3): m a safe integer, at
   * least one fraction digit.
   */
  fixed(m: number, fractionDigits: number): void {
    this.reserve(24);
    const buf = this.buf;
    let p = this.length;
    if (m < 0) {
      buf[p++] = 45;
      m = -m;
    }
    this.length = p + digitsOf(m, buf, p, fractionDigits);
  }

  /** A name or symbol value, escaped; UTF-8. */
  tag(s: string): void {
    this.escaped(s, TAG_ESCAPE, TAG_SPECIAL_G);
  }

  /** A string field: quoted and escaped; UTF-8. */
  quoted(s: string): void {
    this.byte(QUOTE);
    this.escaped(s, STRING_ESCAPE, STRING_SPECIAL_G);
    this.byte(QUOTE);
  }

  /** ASCII is copied byte by byte; from the first other character on, the rest is escaped and converted natively. */
  private escaped(s: string, special: Uint8Array, specialG: RegExp): void {
    // An escaped ASCII character takes 2 bytes, a UTF-16 unit at most 3.
    this.reserve(s.length * 3);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        p += buf.write(s.slice(i).replace(specialG, '\\$&'), p, 'utf8');
        break;
      }
      if (special[c] === 1) buf[p++] = BACKSLASH;
      buf[p++] = c;
    }
    this.length = p;
  }
}
