import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter } from '../lib/field-path.js';
import type { ColumnConfig, PostgresConfig } from './config.js';
import { encoderFor, NULL, Rejection, type Encoder } from './copy-text.js';
import { tableNameTemplate } from './identifiers.js';

/** One COPY line and the record it came from, so a row the database rejects maps back to its record. */
export interface Row {
  line: string;
  record: DataRecord;
  key: string;
}

export interface Rejected {
  record: DataRecord;
  reason: string;
}

interface ColumnPlan {
  name: string;
  get: (r: DataRecord) => unknown;
  encode: Encoder;
  required: boolean;
}

/**
 * Turns records into COPY text lines grouped by table. Records that cannot be stored (missing key,
 * wrong type, no table name) are rejected here with the column at fault, before any round trip.
 * Within one batch a key is written once: the first record wins for `nothing`, the last for `update`.
 */
export function rowPlanner(config: PostgresConfig): (batch: readonly DataRecord[]) => { tables: Map<string, Row[]>; rejected: Rejected[] } {
  const key = new Set(config.key);
  const columns: ColumnPlan[] = config.columns.map((c: ColumnConfig) => ({
    name: c.name, get: fieldGetter(c.field ?? c.name), encode: encoderFor(c.type, c.unit ?? 'ms'), required: key.has(c.name) || c.required === true,
  }));
  const keyIndexes = config.columns.flatMap((c, i) => (key.has(c.name) ? [i] : []));
  const tableOf = tableNameTemplate(config.table).nameOf;
  const lastWins = config.onConflict === 'update';

  return (batch) => {
    const tables = new Map<string, Row[]>();
    const seen = new Map<string, Map<string, number>>();
    const rejected: Rejected[] = [];
    const values: string[] = new Array<string>(columns.length);
    for (const record of batch) {
      const table = tableOf(record);
      if (!table.ok) { rejected.push({ record, reason: table.reason }); continue; }
      const problem = encodeInto(values, columns, record);
      if (problem) { rejected.push({ record, reason: problem }); continue; }
      const rowKey = keyIndexes.length ? keyIndexes.map((i) => values[i]).join('\t') : '';
      const row: Row = { line: values.join('\t'), record, key: rowKey };
      let rows = tables.get(table.name);
      if (!rows) tables.set(table.name, (rows = []));
      if (!rowKey) { rows.push(row); continue; }
      let keys = seen.get(table.name);
      if (!keys) seen.set(table.name, (keys = new Map()));
      const at = keys.get(rowKey);
      if (at === undefined) {
        keys.set(rowKey, rows.length);
        rows.push(row);
      } else if (lastWins) {
        rows[at] = row;
      }
    }
    return { tables, rejected };
  };
}

function encodeInto(values: string[], columns: ColumnPlan[], record: DataRecord): string | undefined {
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const v = c.get(record);
    if (v === undefined || v === null) {
      if (c.required) return `column "${c.name}": ${v === null ? 'null' : 'missing'} (required)`;
      values[i] = NULL;
      continue;
    }
    const encoded = c.encode(v);
    if (encoded instanceof Rejection) return `column "${c.name}": ${encoded.reason}`;
    values[i] = encoded;
  }
  return undefined;
}
