import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter } from '../lib/field-path.js';
import type { ColumnConfig, PostgresConfig } from './config.js';
import { encoderFor, NULL, Rejection, type Encoder } from './copy-text.js';
import { compileTableTemplate, TemplateError } from '../lib/table-template.js';
import { POSTGRES_IDENTIFIERS } from './identifiers.js';

/** One COPY line and the record it came from, so a row the database rejects maps back to its record. */
export interface Row {
  line: string;
  record: DataRecord;
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
 */
export function rowPlanner(config: PostgresConfig): (batch: readonly DataRecord[]) => { tables: Map<string, Row[]>; rejected: Rejected[] } {
  const key = new Set(config.key);
  const columns: ColumnPlan[] = config.columns.map((c: ColumnConfig) => ({
    name: c.name, get: fieldGetter(c.field ?? c.name), encode: encoderFor(c.type, c.unit ?? 'ms'), required: key.has(c.name) || c.required === true,
  }));
  const keyIndexes = config.columns.flatMap((c, i) => (key.has(c.name) ? [i] : []));
  const template = compileTableTemplate(config.table, POSTGRES_IDENTIFIERS);
  const lastWins = config.onConflict === 'update';

  return (batch) => {
    const tables = new Map<string, Row[]>();
    const rejected: Rejected[] = [];
    // Records of one batch mostly share a table: look it up only when the name changes.
    let lastName: string | undefined;
    let lastRows: Row[] = [];
    for (const record of batch) {
      let table: string;
      try {
        table = template.nameFor(record);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        rejected.push({ record, reason: err.message });
        continue;
      }
      const line = encodeLine(columns, record);
      if (line instanceof Rejection) { rejected.push({ record, reason: line.reason }); continue; }
      if (table !== lastName) {
        lastName = table;
        const known = tables.get(lastName);
        if (known) lastRows = known;
        else tables.set(lastName, (lastRows = []));
      }
      lastRows.push({ line, record });
    }
    if (lastWins) for (const [name, rows] of tables) tables.set(name, lastPerKey(rows, keyIndexes));
    return { tables, rejected };
  };
}

/**
 * `update` merges with INSERT … ON CONFLICT DO UPDATE, which refuses to touch a row twice in one
 * statement: keep the last record per key. (`nothing` needs no pass: later duplicates are skipped.)
 */
function lastPerKey(rows: Row[], keyIndexes: number[]): Row[] {
  const last = new Map<string, number>();
  rows.forEach((row, i) => last.set(keyOf(row, keyIndexes), i));
  return last.size === rows.length ? rows : rows.filter((_, i) => last.get(keyOf(rows[i]!, keyIndexes)) === i);
}

function keyOf(row: Row, keyIndexes: number[]): string {
  const fields = row.line.split('\t');
  return keyIndexes.map((k) => fields[k]).join('\t');
}

function encodeLine(columns: ColumnPlan[], record: DataRecord): string | Rejection {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const v = c.get(record);
    let encoded: string | Rejection;
    if (v === undefined || v === null) {
      if (c.required) return new Rejection(`column "${c.name}": ${v === null ? 'null' : 'missing'} (required)`);
      encoded = NULL;
    } else {
      encoded = c.encode(v);
      if (encoded instanceof Rejection) return new Rejection(`column "${c.name}": ${encoded.reason}`);
    }
    line = i === 0 ? encoded : `${line}\t${encoded}`;
  }
  return line;
}
