import type { DataRecord } from '../../../server/core/types.js';
import { ChunkedParser } from './chunked-parser.js';
import { invalidUtf8At, rawText } from './text.js';
import { isoBytes, timestampParser, type TimestampParser } from './timestamp.js';
import type { CsvOptions, RecordSink, RowIssue } from './types.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const enum Kind { Infer, Numeric, Timestamp }

/** Cell boundaries of the row being decoded; `escaped` cells hold doubled quotes to undo. */
interface Cells {
  count: number;
  starts: number[];
  ends: number[];
  escaped: boolean[];
}

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The value of `-12`, `0.5`, `3.25`: numbers written plainly (no leading zero, exponent, or sign other
 * than minus); NaN for anything else. At most 15 digits, so the digits and the power of ten are exact
 * doubles and their quotient is correctly rounded: the same double as Number(text), without the string.
 */
function plainNumber(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = i < end && buf[i] === MINUS;
  if (negative) i++;
  const first = i;
  let digits = 0;
  while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) digits = digits * 10 + buf[i++]! - ZERO;
  const intDigits = i - first;
  if (intDigits === 0 || (intDigits > 1 && buf[first] === ZERO)) return NaN;
  let scale = 0;
  if (i < end) {
    if (buf[i] !== DOT) return NaN;
    const fracStart = ++i;
    while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) digits = digits * 10 + buf[i++]! - ZERO;
    scale = i - fracStart;
    if (i !== end || scale === 0) return NaN;
  }
  if (intDigits + scale > 15) return Number(buf.toString('latin1', start, end));
  const value = digits / POWERS_OF_TEN[scale]!;
  return negative ? -value : value;
}

/**
 * Streaming RFC 4180 CSV: quoted cells with doubled quotes and line breaks, CRLF or LF, an optional
 * UTF-8 byte order mark. It scans bytes, keeps at most one unfinished row between pushes and reports a
 * row longer than `maxRecordBytes` (or an unterminated quote) as one issue, then resumes at the next line.
 */
export class CsvParser extends ChunkedParser {
  private readonly delimiter: number;
  private readonly parseTs: TimestampParser | undefined;
  /** A parser straight from the cell's bytes, for the formats that have one; not finite means "use the text". */
  private readonly tsBytes: ((buf: Buffer, start: number, end: number) => number) | undefined;
  private readonly cells: Cells = { count: 0, starts: [], ends: [], escaped: [] };
  private line = 1;
  /** Inside an over-long row: bytes are dropped until the next line feed. */
  private skipping = false;
  private columns: string[] | undefined;
  private kinds: Kind[] = [];
  /** Why every row is refused when the header cannot be used (e.g. a wrong delimiter). */
  private headerProblem: string | undefined;
  /** Per-row scan results, kept as fields so the hot loop allocates nothing. */
  private newlines = 0;
  private high = false;
  private badQuoteAt = -1;

  constructor(private readonly options: CsvOptions, private readonly sink: RecordSink) {
    super();
    if (options.delimiter.length !== 1) throw new Error(`the CSV delimiter must be one character, got "${options.delimiter}"`);
    this.delimiter = options.delimiter.charCodeAt(0);
    this.parseTs = options.timestamp && timestampParser(options.timestamp.format);
    this.tsBytes = options.timestamp?.format === 'iso8601' ? isoBytes : undefined;
    if (!options.header) this.useColumns(options.columns);
  }

  override end(): void {
    super.end();
    if (this.skipping) {
      this.skipping = false;
      this.line++;
    }
  }

  protected scanFrom(buf: Buffer, pos: number, final: boolean): void {
    if (this.skipping) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) return;
      this.skipping = false;
      this.line++;
      pos = lf + 1;
    }
    for (;;) {
      const next = pos < buf.length ? this.scan(buf, pos, final) : -1;
      if (next >= 0) {
        this.row(buf, pos, next);
        pos = next;
        continue;
      }
      if (pos >= buf.length) return;
      if (buf.length - pos <= this.options.maxRecordBytes) {
        this.pending = buf.subarray(pos);
        if (final) this.unfinished(buf, pos);
        return;
      }
      pos = this.tooLong(buf, pos);
      if (this.skipping) return;
      buf = buf.subarray(pos);
      pos = 0;
    }
  }

  /** An over-long row: reported once; parsing resumes after the row's first line feed. */
  private tooLong(buf: Buffer, start: number): number {
    const inQuote = buf[start] === QUOTE || this.openQuote(buf, start);
    this.issue(this.line, undefined, inQuote
      ? `unterminated quote: the row is longer than ${this.options.maxRecordBytes} bytes without a closing quote`
      : `row longer than ${this.options.maxRecordBytes} bytes`, 'syntax', rawText(buf, start, buf.length));
    const lf = buf.indexOf(LF, start);
    if (lf < 0) {
      this.skipping = true;
      return buf.length;
    }
    this.line++;
    return lf + 1;
  }

  private openQuote(buf: Buffer, start: number): boolean {
    const lf = buf.indexOf(LF, start);
    return buf.subarray(start, lf < 0 ? buf.length : lf).includes(QUOTE);
  }

  /** At the end of the input an unfinished row has a quote never closed: reported, then the lines after it are parsed. */
  private unfinished(buf: Buffer, start: number): void {
    this.pending = undefined;
    const lf = buf.indexOf(LF, start);
    this.issue(this.line, undefined, 'unterminated quote', 'syntax', rawText(buf, start, lf < 0 ? buf.length : lf));
    this.line++;
    if (lf >= 0) this.feed(buf.subarray(lf + 1), true);
  }

  /**
   * Finds the cells of the row at `start`; returns the offset after it, or -1 when the row is not
   * complete in `buf` (more bytes needed, or the end of the input inside a quote).
   */
  private scan(buf: Buffer, start: number, final: boolean): number {
    const cells = this.cells;
    const delim = this.delimiter;
    const len = buf.length;
    let i = start;
    let n = 0;
    this.newlines = 0;
    this.high = false;
    this.badQuoteAt = -1;
    for (;;) {
      const cellStart = i;
      if (i < len && buf[i] === QUOTE) {
        i++;
        let escaped = false;
        for (;;) {
          if (i >= len) return -1;
          const b = buf[i]!;
          if (b === QUOTE) {
            if (i + 1 >= len && !final) return -1;
            if (buf[i + 1] !== QUOTE) break;
            escaped = true;
            i += 2;
            continue;
          }
          if (b === LF) this.newlines++;
          else if (b >= 0x80) this.high = true;
          i++;
        }
        cells.starts[n] = cellStart + 1;
        cells.ends[n] = i;
        cells.escaped[n] = escaped;
        n++;
        i++;
        if (i < len && buf[i] === delim) {
          i++;
          continue;
        }
        if (i < len && buf[i] === CR) {
          if (i + 1 >= len && !final) return -1;
          if (buf[i + 1] === LF) i++;
        }
        if (i < len && buf[i] !== LF) {
          this.badQuoteAt = n;
          const lf = buf.indexOf(LF, i);
          if (lf < 0 && !final) return -1;
          i = lf < 0 ? len : lf;
        }
      } else {
        while (i < len) {
          const b = buf[i]!;
          if (b === delim || b === LF) break;
          if (b >= 0x80) this.high = true;
          i++;
        }
        if (i >= len && !final) return -1;
        const end = i > cellStart && buf[i - 1] === CR && buf[i] === LF ? i - 1 : i;
        cells.starts[n] = cellStart;
        cells.ends[n] = end;
        cells.escaped[n] = false;
        n++;
        if (i < len && buf[i] === delim) {
          i++;
          continue;
        }
      }
      cells.count = n;
      return i < len ? i + 1 : len;
    }
  }

  private row(buf: Buffer, start: number, next: number): void {
    const line = this.line;
    this.line += 1 + this.newlines;
    const cells = this.cells;
    if (cells.count === 1 && cells.ends[0] === cells.starts[0] && buf[start] !== QUOTE) return;
    if (this.badQuoteAt > 0) {
      this.issue(line, this.columnName(this.badQuoteAt - 1), 'unexpected character after a closing quote', 'syntax', rawText(buf, start, next));
      return;
    }
    if (this.high) {
      const at = invalidUtf8At(buf, start, next);
      if (at >= 0) {
        const reason = this.invalidText(at, 'the row');
        const hint = this.columns ? '' : '; save the file as UTF-8 (or UTF-16 with a byte order mark)';
        this.issue(line, undefined, `${reason}${hint}`, 'syntax', rawText(buf, start, next));
        return;
      }
    }
    if (!this.columns) {
      this.header(buf);
      return;
    }
    if (this.headerProblem) {
      this.issue(line, undefined, this.headerProblem, 'value', rawText(buf, start, next));
      return;
    }
    if (cells.count !== this.columns.length) {
      this.issue(line, undefined, `${cells.count} fields, expected ${this.columns.length}${this.delimiterHint(buf, start, next)}`, 'value', rawText(buf, start, next));
      return;
    }
    this.record(buf, start, next, line);
  }

  private record(buf: Buffer, start: number, next: number, line: number): void {
    const cells = this.cells;
    const columns = this.columns!;
    const rec: { [field: string]: unknown } = {};
    for (let j = 0; j < cells.count; j++) {
      const s = cells.starts[j]!;
      const e = cells.ends[j]!;
      if (s === e) continue;
      const kind = this.kinds[j]!;
      if (!cells.escaped[j]) {
        const fast = kind === Kind.Timestamp ? (this.tsBytes ? this.tsBytes(buf, s, e) : NaN) : plainNumber(buf, s, e);
        if (Number.isFinite(fast)) {
          rec[columns[j]!] = fast;
          continue;
        }
      }
      const text = this.cellText(buf, j);
      if (kind === Kind.Infer) {
        rec[columns[j]!] = text;
      } else if (kind === Kind.Numeric) {
        const value = this.number(text);
        if (typeof value === 'string') return this.issue(line, columns[j], value, 'value', rawText(buf, start, next));
        rec[columns[j]!] = value;
      } else {
        const ts = this.parseTs!(text);
        if (typeof ts === 'string') return this.issue(line, columns[j], ts, 'value', rawText(buf, start, next));
        rec[columns[j]!] = ts;
      }
    }
    this.sink.record(rec as DataRecord);
  }

  private cellText(buf: Buffer, j: number): string {
    const text = buf.toString(this.high ? 'utf8' : 'latin1', this.cells.starts[j], this.cells.ends[j]);
    return this.cells.escaped[j] ? text.replaceAll('""', '"') : text;
  }

  private number(text: string): number | string {
    const comma = text.includes(',');
    const value = comma && this.options.decimalComma ? Number(text.replace(',', '.')) : Number(text);
    if (Number.isFinite(value) && text.trim() !== '') return value;
    if (Math.abs(value) === Infinity) return `"${text}" is beyond the range of a double-precision number`;
    return comma && !this.options.decimalComma
      ? `"${text}" is not a number (decimal comma? set decimalComma)`
      : `"${text}" is not a number`;
  }

  private header(buf: Buffer): void {
    const names: string[] = [];
    for (let j = 0; j < this.cells.count; j++) names.push(this.cellText(buf, j).trim());
    this.useColumns(names);
  }

  private useColumns(names: string[]): void {
    this.columns = names;
    const numeric = new Set(this.options.numeric);
    const ts = this.options.timestamp?.field;
    this.kinds = names.map((c) => (c === ts ? Kind.Timestamp : numeric.has(c) ? Kind.Numeric : Kind.Infer));
    const missing = [ts, ...this.options.numeric].filter((c): c is string => c !== undefined && !names.includes(c));
    const twice = names.find((c, i) => c !== '' && names.indexOf(c) !== i);
    if (names.includes('__proto__')) {
      this.headerProblem = 'the column name "__proto__" is not allowed (it would reach the object prototype)';
    } else if (twice !== undefined) {
      // A second column of the same name would overwrite the first one's values without a word.
      this.headerProblem = `the column "${twice}" appears twice (columns ${names.indexOf(twice) + 1} and ${names.indexOf(twice, names.indexOf(twice) + 1) + 1})`;
    } else if (missing.length > 0) {
      const shown = names.map((c) => `"${c}"`).join(', ');
      this.headerProblem = `the columns (${shown}) lack ${missing.map((c) => `"${c}"`).join(', ')}`
        + (names.length === 1 ? ` (is the delimiter "${this.options.delimiter}" right?)` : '');
    }
  }

  private delimiterHint(buf: Buffer, start: number, next: number): string {
    if (this.cells.count !== 1) return '';
    const row = buf.subarray(start, next);
    const other = [';', ',', '\t', '|'].find((d) => d !== this.options.delimiter && row.includes(d.charCodeAt(0)));
    return other ? ` (is the delimiter "${other === '\t' ? '\\t' : other}"?)` : '';
  }

  private columnName(j: number): string {
    return this.columns?.[j] ?? String(j + 1);
  }

  private issue(line: number, column: string | undefined, reason: string, kind: RowIssue['kind'], raw: string): void {
    this.sink.invalid(column === undefined ? { line, reason, raw, kind } : { line, column, reason, raw, kind });
    // A header that could not be read must not be replaced by the next row: every row is refused instead.
    if (!this.columns) {
      this.columns = [];
      this.kinds = [];
      this.headerProblem = `the header (line ${line}) could not be read (${reason}), so no row can be`;
    }
  }
}
