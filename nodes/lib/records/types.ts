import type { DataRecord } from '../../../server/core/types.js';
import type { TimestampFormat } from './timestamp.js';

/** A row that could not become a record, and where it is. */
export interface RowIssue {
  /** 1-based line where the row (or JSON element) starts. */
  line: number;
  /** Column or field name (CSV column number when the file has no usable header). */
  column?: string;
  reason: string;
  /** The row's text, cut to a few hundred characters. */
  raw?: string;
  /**
   * `syntax`: the bytes are not valid in the format (broken JSON, bad quoting, invalid UTF-8, too long);
   * `value`: a well-formed row with a value that cannot be used (bad timestamp, not a number, column count).
   */
  kind: 'syntax' | 'value';
}

/** Receives what a parser finds, in file order, synchronously. */
export interface RecordSink {
  record(record: DataRecord): void;
  invalid(issue: RowIssue): void;
}

/** A push parser: feed it the bytes as they come, then `end()`; it never holds more than one row. */
export interface RecordParser {
  push(chunk: Uint8Array): void;
  end(): void;
}

export interface TimestampOption {
  /** Field (CSV column) holding the time; the record gets epoch milliseconds under the same name. */
  field: string;
  format: TimestampFormat;
}

export interface CsvOptions {
  format: 'csv';
  /** One character, e.g. `,` `;` `\t`. */
  delimiter: string;
  /** The first line names the columns; otherwise `columns` does. */
  header: boolean;
  columns: string[];
  /** `21,5` is 21.5 (needs a delimiter other than a comma). */
  decimalComma: boolean;
  /** Columns that must hold numbers; other cells become numbers when they are written as one (`12.5`, not `007`). */
  numeric: string[];
  timestamp?: TimestampOption;
  maxRecordBytes: number;
}

export interface JsonOptions {
  /** `json`: one object or an array of objects; `ndjson`: one object per line. */
  format: 'json' | 'ndjson';
  timestamp?: TimestampOption;
  maxRecordBytes: number;
}

export type ParseOptions = CsvOptions | JsonOptions;
export type RecordFormat = ParseOptions['format'];
