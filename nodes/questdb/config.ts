import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';
import { isWindowsDeviceName } from '../../server/core/names.js';
import { compileTableTemplate, identifierProblem, mapColumns, PORTABLE_IDENTIFIERS, type IdentifierRules } from '../lib/table-template.js';

/** QuestDB keeps each table in a directory of its name: a Windows device name cannot be one. */
export const QUESTDB_TABLES: IdentifierRules = {
  ...PORTABLE_IDENTIFIERS,
  refuses: (name) => (isWindowsDeviceName(name) ? 'is a reserved device name on Windows, where QuestDB would store the table as a directory of that name' : undefined),
};

export const COLUMN_TYPES = ['symbol', 'double', 'long', 'boolean', 'varchar', 'timestamp'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const TIME_UNITS = ['s', 'ms', 'us', 'ns'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

const secretRef = (title: string, description: string) => Type.Optional(Type.String({ title, description: `${description} Use a reference such as \`\${secret:questdb_token}\`, never the value.` }));

export const questdbConfig = Type.Object({
  address: Type.String({ title: 'Address', default: 'http://127.0.0.1:9000', pattern: '^https?://[^/;]+/?$', description: 'QuestDB HTTP endpoint: `http://host:9000`, or `https://…` for TLS.' }),
  token: secretRef('Token', 'Bearer token (QuestDB Enterprise / reverse proxy).'),
  username: secretRef('User name', 'User for HTTP basic authentication, with `password`.'),
  password: secretRef('Password', 'Password for HTTP basic authentication.'),
  tlsVerify: Type.Boolean({ title: 'TLS verify', default: true, description: 'With https: verify the server certificate. Turn off only for tests.' }),
  tlsCa: Type.Optional(Type.String({ title: 'TLS CA certificate', minLength: 1, description: 'With https: path of a PEM file with the CA that signed the server certificate.' })),
  table: Type.String({ title: 'Table', default: 'readings', minLength: 1, description: 'Table name, or a template filled from record fields: `readings_{region}`.' }),
  // Required, without a default: TypeBox merges a record default into the user's map, which would add columns nobody asked for.
  columns: Type.Record(Type.String(), Type.Union(COLUMN_TYPES.map((t) => Type.Literal(t))), { title: 'Columns',
    minProperties: 1,
    description: 'Columns written, with their types: symbol, double, long, boolean, varchar, timestamp, e.g. { "sensor": "symbol", "value": "double" }. Other fields are not written.',
  }),
  fields: Type.Record(Type.String(), Type.String({ minLength: 1 }), { title: 'Fields', default: {}, description: 'Record field (dotted path) per column when it differs from the column name: `{ "temp": "payload.t" }`.' }),
  timestamp: Type.Object({
    field: Type.String({ title: 'Field', default: 'ts', minLength: 1, description: 'Record field holding the time (dotted path).' }),
    column: Type.String({ title: 'Column', default: 'ts', minLength: 1, description: 'Designated timestamp column.' }),
    unit: Type.Union(TIME_UNITS.map((u) => Type.Literal(u)), { title: 'Unit', default: 'ms', description: 'Unit of numeric times (also used for `timestamp` columns); ISO 8601 strings are accepted too.' }),
  }, { title: 'Timestamp', default: {}, additionalProperties: false, description: 'The designated timestamp: every row needs one (never server time, which would defeat deduplication).' }),
  createTable: Type.Boolean({ title: 'Create table', default: true, description: 'Create missing tables with WAL, partitioning and DEDUP UPSERT KEYS before the first write.' }),
  partitionBy: Type.Union(['HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'].map((p) => Type.Literal(p)), { title: 'Partition by', default: 'DAY', description: 'Partitioning of created tables.' }),
  dedupKeys: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { title: 'Dedup keys', description: 'Columns that, with the timestamp, identify a reading: DEDUP UPSERT KEYS(ts, …), so a replay writes no duplicates. Default: every symbol column.' })),
  autoFlushRows: Type.Integer({ title: 'Auto flush rows', default: 75_000, minimum: 1, maximum: 1_000_000, description: 'Most rows in one HTTP request (one QuestDB transaction).' }),
  maxInFlight: Type.Integer({ title: 'Max in flight', default: 2, minimum: 1, maximum: 16, description: 'Requests of one batch sent at the same time.' }),
  requestTimeoutMs: Type.Integer({ title: 'Request timeout (ms)', default: 10_000, minimum: 100, maximum: 600_000, description: 'Deadline of one request; past it the request counts as failed and the node\'s retry policy takes over.' }),
}, { additionalProperties: false });

export type QuestDbConfig = Static<typeof questdbConfig>;

/** The dedup keys besides the timestamp: as configured, or every symbol column. */
export function dedupKeysOf(cfg: QuestDbConfig): string[] {
  return cfg.dedupKeys ?? Object.keys(cfg.columns).filter((c) => cfg.columns[c] === 'symbol');
}

/** Deploy-time problems the schema cannot see: names, keys and credentials that do not fit together. */
export function checkConfig(cfg: QuestDbConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  try {
    compileTableTemplate(cfg.table, QUESTDB_TABLES);
  } catch (err) {
    problems.push({ path: '/table', message: (err as Error).message });
  }
  try {
    mapColumns(cfg.columns, cfg.fields);
  } catch (err) {
    problems.push({ path: '/columns', message: (err as Error).message });
  }
  const tsProblem = identifierProblem(cfg.timestamp.column);
  if (tsProblem) problems.push({ path: '/timestamp/column', message: `column "${cfg.timestamp.column}" ${tsProblem}` });
  if (cfg.timestamp.column in cfg.columns) {
    problems.push({ path: '/columns', message: `"${cfg.timestamp.column}" is the designated timestamp column; remove it from columns` });
  }
  (cfg.dedupKeys ?? []).forEach((key, i) => {
    if (!(key in cfg.columns)) problems.push({ path: `/dedupKeys/${i}`, message: `dedup key "${key}" is not one of the columns` });
  });
  if (cfg.token !== undefined && (cfg.username !== undefined || cfg.password !== undefined)) {
    problems.push({ path: '/token', message: 'use either token or username/password, not both' });
  }
  if ((cfg.username === undefined) !== (cfg.password === undefined)) {
    problems.push({ path: cfg.username === undefined ? '/username' : '/password', message: 'username and password go together' });
  }
  return problems;
}
