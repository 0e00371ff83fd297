import { ChunkedParser } from './chunked-parser.js';
import { checkParsed } from '../../../server/core/json-text.js';
import { invalidUtf8At, jsonErrorAt, rawText, RECORD_JSON_LIMITS } from './text.js';
import { jsonShaper, type Shaper } from './shape.js';
import type { JsonOptions, RecordSink } from './types.js';

const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

const isSpace = (b: number): boolean => b === 0x20 || b === LF || b === 0x0d || b === 0x09;

const enum State { Start, Items, Single, Done }

/**
 * A JSON document that is one object or an array of objects, streamed: the array is cut into its
 * elements by a byte scanner (strings, escapes and nesting tracked), and each element is parsed on
 * its own, so memory holds one element at a time. A broken element is one issue; a truncated array
 * ends with an issue naming where the unfinished element started.
 */
export class JsonArrayParser extends ChunkedParser {
  private readonly shape: Shaper;
  private state = State.Start;
  /** Line of the first byte of `pending` (or of the next byte when nothing is pending). */
  private line = 1;
  private trailingReported = false;

  constructor(private readonly options: JsonOptions, private readonly sink: RecordSink) {
    super();
    this.shape = jsonShaper(options.timestamp);
  }

  override end(): void {
    super.end();
    if (this.state === State.Start) this.sink.invalid({ line: this.line, reason: 'empty document: expected a JSON object or array', kind: 'syntax' });
    if (this.state === State.Items) this.sink.invalid({ line: this.line, reason: 'truncated: the array is not closed', kind: 'syntax' });
  }

  protected scanFrom(buf: Buffer, pos: number, final: boolean): void {
    while (pos < buf.length) {
      const b = buf[pos]!;
      if (isSpace(b)) {
        if (b === LF) this.line++;
        pos++;
      } else if (this.state === State.Start) {
        if (b === OPEN_ARRAY) {
          this.state = State.Items;
          pos++;
        } else {
          this.state = State.Single;
        }
      } else if (this.state === State.Items && (b === COMMA || b === CLOSE_ARRAY)) {
        if (b === CLOSE_ARRAY) this.state = State.Done;
        pos++;
      } else if (this.state === State.Done) {
        if (!this.trailingReported) {
          this.sink.invalid({ line: this.line, reason: 'unexpected data after the end of the document', raw: rawText(buf, pos, buf.length), kind: 'syntax' });
          this.trailingReported = true;
        }
        pos = buf.length;
      } else {
        const end = this.elementEnd(buf, pos, final);
        if (end < 0) {
          this.keep(buf, pos, final);
          return;
        }
        this.element(buf, pos, end);
        if (this.state === State.Single) this.state = State.Done;
        pos = end;
      }
    }
  }

  /** Keeps an unfinished element for the next push, or reports it when it cannot finish. */
  private keep(buf: Buffer, start: number, final: boolean): void {
    const size = buf.length - start;
    if (final) {
      this.sink.invalid({ line: this.line, reason: 'truncated: the document ends inside this element', raw: rawText(buf, start, buf.length), kind: 'syntax' });
      this.state = State.Done;
      this.trailingReported = true;
    } else if (size > this.options.maxRecordBytes) {
      // Without the element's end there is no safe place to resume: the rest of the document is one issue.
      this.sink.invalid({ line: this.line, reason: `element longer than ${this.options.maxRecordBytes} bytes; the rest of the document is not read`, raw: rawText(buf, start, buf.length), kind: 'syntax' });
      this.state = State.Done;
      this.trailingReported = true;
    } else {
      this.pending = buf.subarray(start);
    }
  }

  /** The offset just after the element starting at `start`, or -1 when it does not end in `buf`. */
  private elementEnd(buf: Buffer, start: number, final: boolean): number {
    let depth = 0;
    let inString = false;
    const nested = buf[start] === OPEN_OBJECT || buf[start] === OPEN_ARRAY;
    for (let i = start; i < buf.length; i++) {
      const b = buf[i]!;
      if (inString) {
        if (b === BACKSLASH) i++;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) {
        inString = true;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        depth++;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        // A stray closing bracket where an element starts is an element of its own (a broken one):
        // an empty element would leave the scanner where it is, forever.
        if (depth === 0) return i === start ? i + 1 : i;
        depth--;
        if (depth === 0 && nested) return i + 1;
      } else if (depth === 0 && (b === COMMA || (!nested && (isSpace(b))))) {
        return i;
      }
    }
    return final && !nested && !inString ? buf.length : -1;
  }

  private element(buf: Buffer, start: number, end: number): void {
    const line = this.line;
    const raw = (): string => rawText(buf, start, end);
    const bad = invalidUtf8At(buf, start, end);
    let text = '';
    let value: unknown;
    let problem: { line: number; column: string; message: string } | undefined;
    if (bad >= 0) {
      problem = { line, column: String(bad + 1), message: this.invalidText(bad, 'the element') };
    } else {
      text = buf.toString('utf8', start, end);
      try {
        value = JSON.parse(text);
        const checked = checkParsed(text, value, RECORD_JSON_LIMITS);
        if (checked.ok) value = checked.value;
        else problem = { line, column: '1', message: checked.fault.message };
      } catch (err) {
        problem = jsonErrorAt(err, text, line);
      }
    }
    for (let i = start; i < end; i++) if (buf[i] === LF) this.line++;
    if (problem) {
      this.sink.invalid({ line: problem.line, column: problem.column, reason: problem.message, raw: raw(), kind: 'syntax' });
      return;
    }
    this.shape(value, line, text.length > 300 ? `${text.slice(0, 300)}…` : text, this.sink);
  }
}
