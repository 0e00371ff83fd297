import type { MappedColumn } from '../lib/table-template.js';
import type { ColumnType } from './config.js';
import { QueryFailed, type Exec, type ExecResult } from './exec-client.js';

/** The table exists with columns, timestamp or dedup keys the sink cannot write into safely. */
export class SchemaMismatch extends Error {}

export interface TableShape {
  columns: readonly MappedColumn<ColumnType>[];
  timestampColumn: string;
  partitionBy: string;
  dedupKeys: readonly string[];
  createTable: boolean;
}

const DDL_TYPE: { [t in ColumnType]: string } = {
  symbol: 'SYMBOL', double: 'DOUBLE', long: 'LONG', boolean: 'BOOLEAN', varchar: 'VARCHAR', timestamp: 'TIMESTAMP',
};

/** QuestDB column types that accept what the sink writes for each of its types. */
const ACCEPTS: { [t in ColumnType]: readonly string[] } = {
  symbol: ['SYMBOL', 'VARCHAR', 'STRING'],
  double: ['DOUBLE', 'FLOAT'],
  long: ['LONG', 'INT', 'SHORT', 'BYTE'],
  boolean: ['BOOLEAN'],
  varchar: ['VARCHAR', 'STRING'],
  timestamp: ['TIMESTAMP', 'TIMESTAMP_NS'],
};

export function createTableSql(table: string, shape: TableShape): string {
  const cols = shape.columns.map((c) => `${c.column} ${DDL_TYPE[c.type]}`);
  cols.push(`${shape.timestampColumn} TIMESTAMP`);
  const keys = [shape.timestampColumn, ...shape.dedupKeys];
  return `CREATE TABLE IF NOT EXISTS ${table} (${cols.join(', ')}) TIMESTAMP(${shape.timestampColumn}) `
    + `PARTITION BY ${shape.partitionBy} WAL DEDUP UPSERT KEYS(${keys.join(', ')})`;
}

interface ExistingColumn {
  type: string;
  designated: boolean;
  upsertKey: boolean;
}

function readColumns(result: ExecResult): Map<string, ExistingColumn> {
  const at = (name: string) => result.columns.findIndex((c) => c.name === name);
  const [name, type, designated, upsertKey] = [at('column'), at('type'), at('designated'), at('upsertKey')];
  if (name < 0 || type < 0) throw new Error('QuestDB answered SHOW COLUMNS without "column" and "type"');
  const out = new Map<string, ExistingColumn>();
  for (const row of result.dataset) {
    out.set(String(row[name]), { type: String(row[type]).toUpperCase(), designated: row[designated] === true, upsertKey: row[upsertKey] === true });
  }
  return out;
}

/** Every difference that makes writing unsafe: wrong types, another designated timestamp, weaker dedup keys. */
export function schemaDifferences(existing: Map<string, ExistingColumn>, shape: TableShape): string[] {
  const found: string[] = [];
  for (const c of shape.columns) {
    const e = existing.get(c.column);
    if (e && !ACCEPTS[c.type].includes(e.type)) found.push(`column ${c.column} is ${e.type} but the sink writes ${c.type}`);
  }
  const designated = [...existing].find(([, e]) => e.designated)?.[0];
  if (designated !== shape.timestampColumn) {
    found.push(designated === undefined
      ? `the table has no designated timestamp; the sink needs ${shape.timestampColumn}`
      : `the designated timestamp is ${designated}, not ${shape.timestampColumn}`);
  }
  if (shape.dedupKeys.length > 0) {
    const keys = [...existing].filter(([, e]) => e.upsertKey).map(([n]) => n);
    const needed = [shape.timestampColumn, ...shape.dedupKeys];
    // Keys beyond ours still drop replayed rows; fewer keys would merge distinct readings (data loss).
    if (!needed.every((k) => keys.includes(k))) {
      found.push(keys.length === 0
        ? `the table does not deduplicate; the sink needs DEDUP UPSERT KEYS(${needed.join(', ')})`
        : `DEDUP UPSERT KEYS are (${keys.join(', ')}) but the sink needs (${needed.join(', ')})`);
    }
  }
  return found;
}

/**
 * Checks each table once before the first write to it, creating it when allowed. An unreachable
 * database leaves the table unchecked (the next write checks again); a mismatch is final for this
 * deployment and names the table and every difference.
 */
export class TableGuard {
  private readonly checked = new Map<string, Promise<void>>();

  constructor(private readonly exec: Exec, private readonly shape: TableShape) {}

  ensure(table: string): Promise<void> {
    let done = this.checked.get(table);
    if (!done) {
      done = this.check(table);
      this.checked.set(table, done);
      done.catch((err: unknown) => {
        if (!(err instanceof SchemaMismatch)) this.checked.delete(table);
      });
    }
    return done;
  }

  private async check(table: string): Promise<void> {
    let existing = await this.columns(table);
    if (existing === undefined) {
      if (!this.shape.createTable) return;
      await this.exec(createTableSql(table, this.shape));
      existing = await this.columns(table);
      if (existing === undefined) throw new Error(`table ${table} is still missing after CREATE TABLE`);
    }
    const differences = schemaDifferences(existing, this.shape);
    if (differences.length > 0) throw new SchemaMismatch(`table ${table} exists with another schema: ${differences.join('; ')}`);
  }

  private async columns(table: string): Promise<Map<string, ExistingColumn> | undefined> {
    try {
      return readColumns(await this.exec(`SHOW COLUMNS FROM ${table}`));
    } catch (err) {
      if (err instanceof QueryFailed && /does not exist/i.test(err.serverError)) return undefined;
      throw err;
    }
  }
}
