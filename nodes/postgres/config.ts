import { Type, type Static } from '@sinclair/typebox';

export const COLUMN_TYPES = [
  'text', 'double precision', 'real', 'bigint', 'integer', 'smallint', 'numeric', 'boolean', 'timestamptz', 'jsonb', 'uuid',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

const Column = Type.Object({
  name: Type.String({ title: 'Name', minLength: 1, maxLength: 63, description: 'Column name in the table.' }),
  field: Type.Optional(Type.String({ title: 'Field', minLength: 1, description: 'Record field (dotted path) the value comes from; defaults to the column name.' })),
  type: Type.Union(COLUMN_TYPES.map((t) => Type.Literal(t)), { title: 'Type', description: 'PostgreSQL type of the column.' }),
  unit: Type.Optional(Type.Union([Type.Literal('s'), Type.Literal('ms'), Type.Literal('us'), Type.Literal('ns')], { title: 'Unit',
    description: 'timestamptz only: the unit of numeric epoch values (default ms). ISO 8601 strings are accepted too.',
  })),
  required: Type.Optional(Type.Boolean({ title: 'Required', description: 'A record without this field goes to `error` (key columns are always required).' })),
}, { additionalProperties: false });

export const postgresConfig = Type.Object({
  connection: Type.Object({
    host: Type.String({ title: 'Host', default: '127.0.0.1', description: 'Server host name or address.' }),
    port: Type.Integer({ title: 'Port', default: 5432, minimum: 1, maximum: 65535 }),
    database: Type.String({ title: 'Database', default: 'postgres' }),
    user: Type.String({ title: 'User', default: 'postgres' }),
    password: Type.String({ title: 'Password', default: '', description: 'Use a secret reference: "${secret:PG_PASSWORD}".' }),
    ssl: Type.Union([Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')], { title: 'SSL',
      default: 'disable', description: '`require` encrypts without checking the certificate; `verify-full` checks it against `ca` (or the system CAs) and the host name.',
    }),
    ca: Type.String({ title: 'CA certificate', default: '', description: 'PEM of the CA that signed the server certificate (verify-full).' }),
  }, { title: 'Connection', default: {}, additionalProperties: false }),
  schema: Type.String({ title: 'Schema', default: 'public', minLength: 1, maxLength: 63 }),
  table: Type.String({ title: 'Table', minLength: 1, description: 'Table name, optionally templated from record fields: `readings_{site}`.' }),
  columns: Type.Array(Column, { title: 'Columns', minItems: 1, description: 'The columns written, in order.' }),
  key: Type.Array(Type.String({ minLength: 1 }), { title: 'Key',
    default: [], description: 'Columns of the unique key (e.g. ["ts", "sensor"]). With a key, replays after a crash write nothing twice; without one, delivery is at-least-once.',
  }),
  onConflict: Type.Union([Type.Literal('nothing'), Type.Literal('update')], { title: 'On conflict',
    default: 'nothing', description: '`nothing` keeps the row already stored; `update` overwrites its other columns.',
  }),
  createTable: Type.Boolean({ title: 'Create table', default: true, description: 'Create a missing table (with the key as primary key).' }),
  hypertable: Type.Object({
    mode: Type.Union([Type.Literal('off'), Type.Literal('auto'), Type.Literal('require')], { title: 'Mode',
      default: 'off', description: '`auto` makes new tables TimescaleDB hypertables when the extension is installed; `require` fails without it.',
    }),
    timeColumn: Type.String({ title: 'Time column', default: 'ts' }),
    chunkInterval: Type.String({ title: 'Chunk interval', default: '1 day', description: 'PostgreSQL interval, e.g. `1 day`, `6 hours`.' }),
  }, { title: 'Hypertable', default: {}, additionalProperties: false }),
  poolSize: Type.Integer({ title: 'Pool size', default: 4, minimum: 1, maximum: 64 }),
  statementTimeoutMs: Type.Integer({ title: 'Statement timeout (ms)', default: 30_000, minimum: 100 }),
  connectTimeoutMs: Type.Integer({ title: 'Connect timeout (ms)', default: 5_000, minimum: 100 }),
}, { additionalProperties: false });

export type PostgresConfig = Static<typeof postgresConfig>;
export type ColumnConfig = PostgresConfig['columns'][number];
