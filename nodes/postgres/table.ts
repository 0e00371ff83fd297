import type { PoolClient } from 'pg';
import type { ColumnType, PostgresConfig } from './config.js';
import { quoteIdent } from './identifiers.js';

/** The table exists with columns or keys this node cannot write into; redeploying will not help. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatchError';
  }
}

// Existing column types a node's column type can be written into by COPY without loss.
const COMPATIBLE: { [T in ColumnType]: string[] } = {
  text: ['text', 'character varying', 'character'],
  'double precision': ['double precision', 'numeric'],
  real: ['real', 'double precision', 'numeric'],
  bigint: ['bigint', 'numeric'],
  integer: ['integer', 'bigint', 'numeric'],
  smallint: ['smallint', 'integer', 'bigint', 'numeric'],
  numeric: ['numeric'],
  boolean: ['boolean'],
  timestamptz: ['timestamp with time zone'],
  jsonb: ['jsonb', 'json'],
  uuid: ['uuid'],
};

export const qualified = (schema: string, table: string): string => `${quoteIdent(schema)}.${quoteIdent(table)}`;

interface ExistingColumn {
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
}

/**
 * Makes sure `table` can take this node's rows: creates it (and the hypertable) when missing and
 * allowed, otherwise compares columns and the unique key and throws SchemaMismatchError naming every
 * difference. Returns what the write path needs to know.
 */
export async function ensureTable(client: PoolClient, config: PostgresConfig, table: string, log: (msg: string) => void): Promise<void> {
  const existing = await columnsOf(client, config.schema, table);
  const name = qualified(config.schema, table);
  if (existing.length === 0) {
    if (!config.createTable) throw new SchemaMismatchError(`table ${name} does not exist and createTable is off`);
    await createTable(client, config, table, log);
    return;
  }
  const problems = columnProblems(config, existing);
  if (config.key.length > 0 && !(await hasUniqueIndex(client, name, config.key))) {
    problems.push(`no unique constraint or index on exactly (${config.key.join(', ')}), so replays could store rows twice; add one, e.g. ALTER TABLE ${name} ADD PRIMARY KEY (${config.key.map(quoteIdent).join(', ')})`);
  }
  if (problems.length) throw new SchemaMismatchError(`table ${name} does not match the node's columns: ${problems.join('; ')}`);
}

function columnProblems(config: PostgresConfig, existing: ExistingColumn[]): string[] {
  const byName = new Map(existing.map((c) => [c.column_name, c]));
  const written = new Set(config.columns.map((c) => c.name));
  const problems: string[] = [];
  for (const c of config.columns) {
    const have = byName.get(c.name);
    if (!have) problems.push(`column "${c.name}" is missing (the node writes ${c.type})`);
    else if (!COMPATIBLE[c.type].includes(have.data_type)) problems.push(`column "${c.name}" is ${have.data_type}, the node writes ${c.type}`);
  }
  for (const c of existing) {
    if (!written.has(c.column_name) && c.is_nullable === 'NO' && c.column_default === null && c.is_identity === 'NO') {
      problems.push(`column "${c.column_name}" is NOT NULL without a default and the node does not write it`);
    }
  }
  return problems;
}

async function columnsOf(client: PoolClient, schema: string, table: string): Promise<ExistingColumn[]> {
  const r = await client.query<ExistingColumn>(
    `SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, [schema, table]);
  return r.rows;
}

async function hasUniqueIndex(client: PoolClient, name: string, key: string[]): Promise<boolean> {
  const r = await client.query<{ cols: string[] }>(
    `SELECT array_agg(a.attname::text) AS cols FROM pg_index i
     CROSS JOIN LATERAL unnest(i.indkey) AS k(attnum)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL
     GROUP BY i.indexrelid`, [name]);
  const wanted = [...key].sort().join('\u0000');
  return r.rows.some((row) => [...row.cols].sort().join('\u0000') === wanted);
}

async function createTable(client: PoolClient, config: PostgresConfig, table: string, log: (msg: string) => void): Promise<void> {
  const key = new Set(config.key);
  const name = qualified(config.schema, table);
  const columns = config.columns.map((c) => `${quoteIdent(c.name)} ${c.type}${key.has(c.name) ? ' NOT NULL' : ''}`);
  if (config.key.length) columns.push(`PRIMARY KEY (${config.key.map(quoteIdent).join(', ')})`);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(config.schema)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${name} (${columns.join(', ')})`);
  log(`created table ${name}`);
  if (config.hypertable.mode === 'off') return;
  const ext = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  if (ext.rowCount === 0) {
    if (config.hypertable.mode === 'require') throw new SchemaMismatchError(`hypertable required for ${name}, but the timescaledb extension is not installed in database "${config.connection.database}"`);
    log(`timescaledb is not installed: ${name} stays a plain table`);
    return;
  }
  await client.query('SELECT create_hypertable($1::regclass, $2::name, chunk_time_interval => $3::interval, if_not_exists => true)',
    [name, config.hypertable.timeColumn, config.hypertable.chunkInterval]);
  log(`made ${name} a hypertable on ${config.hypertable.timeColumn}`);
}
