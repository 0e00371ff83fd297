import { Type, type Static } from '@sinclair/typebox';
import { TIMESTAMP_FORMATS, type ParseOptions, type RecordFormat } from './records/index.js';

/** Config fragments shared by the nodes that parse files or bodies (FTP receiver, HTTP in). */
export const CsvConfig = Type.Object({
  delimiter: Type.String({ title: 'Delimiter', default: ',', minLength: 1, maxLength: 1, description: 'Field delimiter (one character, e.g. `,` `;` or a tab).' }),
  header: Type.Boolean({ title: 'Header', default: true, description: 'The first line names the columns; when false, `columns` does.' }),
  columns: Type.Array(Type.String({ minLength: 1 }), { title: 'Columns', default: [], description: 'Column names for files without a header line.' }),
  decimalComma: Type.Boolean({ title: 'Decimal comma', default: false, description: 'Numbers are written with a decimal comma (`21,5`); needs a delimiter other than `,`.' }),
  numeric: Type.Array(Type.String({ minLength: 1 }), { title: 'Numeric', default: ['value'], description: 'Columns that must hold numbers (a row with anything else goes to `invalid`). Other cells written as plain numbers become numbers too.' }),
}, { title: 'CSV', default: {}, additionalProperties: false, description: 'How CSV is read.' });

export const TimestampConfig = Type.Object({
  field: Type.String({ title: 'Field', default: 'ts', minLength: 1, description: 'Field (CSV column) holding the time; it becomes epoch milliseconds.' }),
  format: Type.Union(TIMESTAMP_FORMATS.map((f) => Type.Literal(f)), { title: 'Format', default: 'iso8601', description: '`iso8601` (a zone is required: `Z` or `+01:00`), `epoch-s`, `epoch-ms` or `epoch-ns`.' }),
}, { title: 'Timestamp', additionalProperties: false, description: 'Converts the time field to epoch milliseconds; omit to keep it as sent.' });

export const MaxRecordBytes = Type.Integer({ title: 'Longest record (bytes)', default: 1 << 20, minimum: 1024, maximum: 64 << 20, description: 'Longest row or JSON element; a longer one goes to `invalid` and parsing resumes after it.' });

export type CsvSettings = Static<typeof CsvConfig>;
export type TimestampSettings = Static<typeof TimestampConfig>;

export function parseOptions(format: RecordFormat, csv: CsvSettings, timestamp: TimestampSettings | undefined, maxRecordBytes: number): ParseOptions {
  const ts = timestamp && { field: timestamp.field, format: timestamp.format };
  return format === 'csv'
    ? { format, ...csv, maxRecordBytes, ...(ts ? { timestamp: ts } : {}) }
    : { format, maxRecordBytes, ...(ts ? { timestamp: ts } : {}) };
}

/** `.csv`/`.txt` → csv, `.json` → json, `.ndjson`/`.jsonl` → ndjson. */
export function formatOfName(name: string): RecordFormat | undefined {
  const ext = name.toLowerCase().replace(/^.*\./, '');
  return ext === 'csv' || ext === 'txt' ? 'csv' : ext === 'json' ? 'json' : ext === 'ndjson' || ext === 'jsonl' ? 'ndjson' : undefined;
}
