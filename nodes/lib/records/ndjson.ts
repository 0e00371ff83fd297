import { ChunkedParser } from './chunked-parser.js';
import { checkParsed } from '../../../server/core/json-text.js';
import { invalidUtf8At, jsonErrorAt, rawText, RECORD_JSON_LIMITS } from './text.js';
import { jsonShaper, type Shaper } from './shape.js';
import type { JsonOptions, RecordSink } from './types.js';

const LF = 0x0a;
const JSON_BLANK = /^[ \t\r]*$/;
const CR = 0x0d;

/**
 * Newline-delimited JSON: one object per line, blank lines ignored. A line that does not parse is one
 * issue (with the line and column JSON.parse stopped at); the lines around it are unaffected.
 */
export class NdjsonParser extends ChunkedParser {
  private readonly shape: Shaper;
  private line = 1;
  private skipping = false;

  constructor(private readonly options: JsonOptions, private readonly sink: RecordSink) {
    super();
    this.shape = jsonShaper(options.timestamp);
  }

  protected scanFrom(buf: Buffer, pos: number, final: boolean): void {
    for (;;) {
      const lf = buf.indexOf(LF, pos);
      if (this.skipping) {
        if (lf < 0) return;
        this.skipping = false;
        this.line++;
        pos = lf + 1;
        continue;
      }
      if (lf < 0) {
        const rest = buf.length - pos;
        if (rest > this.options.maxRecordBytes) {
          this.tooLong(buf, pos);
          this.skipping = !final;
        } else if (final) {
          if (rest > 0) this.parseLine(buf, pos, buf.length);
        } else if (rest > 0) {
          this.pending = buf.subarray(pos);
        }
        return;
      }
      if (lf - pos > this.options.maxRecordBytes) this.tooLong(buf, pos);
      else this.parseLine(buf, pos, lf);
      this.line++;
      pos = lf + 1;
    }
  }

  private tooLong(buf: Buffer, start: number): void {
    this.sink.invalid({ line: this.line, reason: `line longer than ${this.options.maxRecordBytes} bytes`, raw: rawText(buf, start, buf.length), kind: 'syntax' });
  }

  private parseLine(buf: Buffer, start: number, end: number): void {
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
    const bad = invalidUtf8At(buf, start, stop);
    if (bad >= 0) {
      this.sink.invalid({ line: this.line, column: String(bad + 1), reason: this.invalidText(bad, ''), raw: rawText(buf, start, stop), kind: 'syntax' });
      return;
    }
    const text = buf.toString('utf8', start, stop);
    // Blank is JSON's whitespace only: a line of form feeds or no-break spaces is a bad line, not nothing.
    if (JSON_BLANK.test(text)) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const at = jsonErrorAt(err, text, this.line);
      this.sink.invalid({ line: at.line, column: at.column, reason: at.message, raw: rawText(buf, start, stop), kind: 'syntax' });
      return;
    }
    const checked = checkParsed(text, value, RECORD_JSON_LIMITS);
    if (!checked.ok) {
      this.sink.invalid({ line: this.line, reason: checked.fault.message, raw: rawText(buf, start, stop), kind: 'syntax' });
      return;
    }
    this.shape(checked.value, this.line, text.length > 300 ? `${text.slice(0, 300)}…` : text, this.sink);
  }
}
