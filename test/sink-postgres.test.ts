import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeInstance, Outputs } from '../server/core/types.js';
import { openApp } from './helpers/api-app.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { PG, pgSchema, type PgSchema } from './helpers/postgres.js';
import { tcpProxy } from './helpers/tcp-proxy.js';
import { waitFor } from './helpers/wait.js';

const meta = { offset: 1, ts: Date.now() };

const readingsConfig = (schema: string, extra: object = {}) => ({
  connection: { host: PG.host, port: PG.port, user: PG.user, database: PG.database },
  schema, table: 'readings', key: ['ts', 'sensor'],
  columns: [
    { name: 'ts', type: 'timestamptz' }, { name: 'sensor', type: 'text' },
    { name: 'value', type: 'double precision' }, { name: 'site', type: 'text' },
  ],
  ...extra,
});

async function sink(t: { after(fn: () => unknown): void }, config: object): Promise<NodeInstance> {
  const node = await createNode('postgres', config, nodeContext({ nodeId: 'pg' }));
  t.after(() => node.stop?.());
  await node.start?.();
  return node;
}

const reading = (i: number, extra: object = {}) => ({ ts: 1_767_225_600_000 + i * 1000, sensor: `s${i % 3}`, value: i / 4, site: 'Lyon', ...extra });

async function count(db: PgSchema, table = 'readings'): Promise<{ rows: number; distinct: number }> {
  const [r] = await db.query<{ rows: string; distinct: string }>(`SELECT count(*) AS rows, count(DISTINCT (ts, sensor)) AS distinct FROM ${db.name}."${table}"`);
  return { rows: Number(r!.rows), distinct: Number(r!.distinct) };
}

/** Rows in a table that may not exist yet (the node creates it when PostgreSQL is reachable). */
async function rowsIn(db: PgSchema, table: string): Promise<number> {
  const [exists] = await db.query(`SELECT to_regclass($1) IS NOT NULL AS yes`, [`${db.name}."${table}"`]);
  if (!exists!.yes) return 0;
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${db.name}."${table}"`))[0]!.n;
}

test('records become typed rows in a table the node creates with the key as primary key', async (t) => {
  const db = await pgSchema(t);
  const node = await sink(t, readingsConfig(db.name));
  assert.equal(await node.process!(Array.from({ length: 10 }, (_, i) => reading(i)), meta), undefined, 'nothing rejected');
  const rows = await db.query(`SELECT extract(epoch FROM ts) * 1000 AS ms, sensor, value, site FROM ${db.name}.readings ORDER BY ts`);
  assert.equal(rows.length, 10);
  assert.deepEqual(rows[3], { ms: '1767225603000.000000', sensor: 's0', value: 0.75, site: 'Lyon' });
  const pk = await db.query(`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = '${db.name}.readings'::regclass AND i.indisprimary ORDER BY a.attname`);
  assert.deepEqual(pk.map((r) => r.attname), ['sensor', 'ts']);
});

test('tricky values round-trip exactly: unicode, tabs, newlines, backslashes, big and negative numbers, timestamps before 1970 and in µs/ns', async (t) => {
  const db = await pgSchema(t);
  const node = await sink(t, {
    connection: { host: PG.host, port: PG.port }, schema: db.name, table: 'Tricky Table é', key: ['id'],
    columns: [
      { name: 'id', type: 'integer' }, { name: 'label', type: 'text' }, { name: 'big', type: 'bigint' },
      { name: 'x', type: 'double precision' }, { name: 'at', type: 'timestamptz' }, { name: 'at_us', field: 'micros', type: 'timestamptz', unit: 'us' },
      { name: 'at_ns', field: 'nanos', type: 'timestamptz', unit: 'ns' }, { name: 'ok', type: 'boolean' }, { name: 'doc', type: 'jsonb' },
    ],
  });
  const records = [
    { id: 1, label: 'Provence-Alpes-Côte d\'Azur 🌡️', big: '9223372036854775807', x: -1.5e308, at: -1, micros: -1, nanos: -1_000, ok: true, doc: { a: [1, 'é'] } },
    { id: 2, label: 'tab\there\nnew line\\back "quoted", comma=equals', big: -9007199254740991, x: 5e-324, at: '1969-07-20T20:17:40+00:00', micros: 1_767_225_600_123_456, nanos: 1_767_225_600_123_456_000, ok: false, doc: 'a\tb\\c' },
    { id: 3, label: '\\N', big: 0, x: 0, at: 0, micros: 0, nanos: 0, ok: true, doc: null },
  ];
  assert.equal(await node.process!(records, meta), undefined);
  const rows = await db.query(`SELECT id, label, big::text, x, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,
    to_char(at_us AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at_us, to_char(at_ns AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at_ns, ok, doc
    FROM ${db.name}."Tricky Table é" ORDER BY id`);
  assert.deepEqual(rows, [
    { id: 1, label: 'Provence-Alpes-Côte d\'Azur 🌡️', big: '9223372036854775807', x: -1.5e308, at: '1969-12-31T23:59:59.999000', at_us: '1969-12-31T23:59:59.999999', at_ns: '1969-12-31T23:59:59.999999', ok: true, doc: { a: [1, 'é'] } },
    { id: 2, label: 'tab\there\nnew line\\back "quoted", comma=equals', big: '-9007199254740991', x: 5e-324, at: '1969-07-20T20:17:40.000000', at_us: '2026-01-01T00:00:00.123456', at_ns: '2026-01-01T00:00:00.123456', ok: false, doc: 'a\tb\\c' },
    // The text "\N" is not NULL, and a JSON null in a jsonb column is SQL NULL.
    { id: 3, label: '\\N', big: '0', x: 0, at: '1970-01-01T00:00:00.000000', at_us: '1970-01-01T00:00:00.000000', at_ns: '1970-01-01T00:00:00.000000', ok: true, doc: null },
  ]);
});

test('a replayed batch writes nothing twice; update mode overwrites the stored row instead', async (t) => {
  const db = await pgSchema(t);
  const node = await sink(t, readingsConfig(db.name));
  const first = Array.from({ length: 100 }, (_, i) => reading(i));
  await node.process!(first, meta);
  // A crash replays from the last checkpoint: half of this batch is already stored.
  await node.process!(Array.from({ length: 100 }, (_, i) => reading(i + 50)), meta);
  await node.process!(first, meta);
  assert.deepEqual(await count(db), { rows: 150, distinct: 150 });

  const updating = await sink(t, readingsConfig(db.name, { onConflict: 'update' }));
  await updating.process!([reading(0, { value: 99 }), reading(0, { value: 100 }), reading(200)], meta);
  const [row] = await db.query(`SELECT value FROM ${db.name}.readings WHERE ts = to_timestamp(1767225600) AND sensor = 's0'`);
  assert.equal(row!.value, 100, 'the last record of the batch for a key wins');
  assert.deepEqual(await count(db), { rows: 151, distinct: 151 });
});

test('records that cannot be stored leave by error with the column and the reason; the rest of the batch is written', async (t) => {
  const db = await pgSchema(t);
  await db.query(`CREATE TABLE ${db.name}.readings (ts timestamptz NOT NULL, sensor text NOT NULL, value double precision CHECK (value < 1000), site text, PRIMARY KEY (ts, sensor))`);
  const node = await sink(t, readingsConfig(db.name));
  const batch = [
    reading(0), reading(1, { sensor: undefined }), reading(2, { value: 'n/a' }), reading(3, { site: 'bad\u0000byte' }),
    reading(4, { value: 5000 }), reading(5, { ts: 'yesterday' }), reading(6),
  ];
  const out = (await node.process!(batch, meta)) as Outputs;
  const errors = out.error!.map((e) => [(e.record as { ts: unknown }).ts, e.error]);
  assert.deepEqual(errors.map(([, reason]) => reason), [
    'column "sensor": missing (required)',
    'column "value": expected a finite number, got "n/a"',
    'column "site": contains a NUL character, which PostgreSQL cannot store in text',
    'column "ts": expected a timestamp (epoch ms or ISO 8601), got "yesterday"',
    'PostgreSQL refused the row: new row for relation "readings" violates check constraint "readings_value_check" (SQLSTATE 23514): Failing row contains (2026-01-01 00:00:04+00, s1, 5000, Lyon).',
  ]);
  assert.ok(out.error!.every((e) => e.node === 'pg' && e.offset === 1));
  assert.deepEqual(await count(db), { rows: 2, distinct: 2 });
});

test('templated table names write each record into its own table', async (t) => {
  const db = await pgSchema(t);
  const node = await sink(t, readingsConfig(db.name, { table: 'readings_{site}' }));
  const out = (await node.process!([reading(0), reading(1, { site: 'Saint-Étienne' }), reading(2), reading(3, { site: null })], meta)) as Outputs;
  assert.deepEqual(out.error!.map((e) => e.error), ['table name: field site is null; the template "readings_{site}" needs a string or an integer without NUL characters there']);
  assert.deepEqual(await count(db, 'readings_Lyon'), { rows: 2, distinct: 2 });
  assert.deepEqual(await count(db, 'readings_Saint-Étienne'), { rows: 1, distinct: 1 });
});

test('a deploy against an existing table with another schema fails naming every difference', async (t) => {
  const db = await pgSchema(t);
  await db.query(`CREATE TABLE ${db.name}.readings (ts timestamptz NOT NULL, sensor integer NOT NULL, site text, owner text NOT NULL)`);
  const { app } = await openApp(t);
  const doc = {
    sluice: 1, id: 'pg-schema',
    nodes: [{ id: 'feed', type: 'test-feed', config: { count: 0 } }, { id: 'pg', type: 'postgres', config: readingsConfig(db.name) }],
    wires: [{ from: 'feed', to: 'pg' }],
  };
  const res = await app.inject({ method: 'POST', url: '/api/flows/pg-schema/deploy', payload: doc });
  assert.equal(res.statusCode, 400);
  const message = (res.json() as { problems: { message: string }[] }).problems[0]!.message;
  assert.match(message, /node "pg" \(postgres\) could not start: table "sluice_test_\w+"\."readings" does not match the node's columns/);
  for (const part of [
    'column "sensor" is integer, the node writes text', 'column "value" is missing (the node writes double precision)',
    'column "owner" is NOT NULL without a default and the node does not write it', 'no unique constraint or index on exactly (ts, sensor)',
  ]) assert.ok(message.includes(part), `${part} in: ${message}`);
});

test('config mistakes are deploy problems with their path', async (t) => {
  const { app } = await openApp(t);
  const res = await app.inject({
    method: 'POST', url: '/api/validate', payload: {
      sluice: 1, id: 'pg-bad', nodes: [{ id: 'pg', type: 'postgres', config: {
        table: 'readings', key: ['ts', 'station'], hypertable: { mode: 'auto', timeColumn: 'ts' },
        columns: [{ name: 'ts', type: 'bigint', unit: 'ms' }, { name: 'sensor', type: 'text' }, { name: 'sensor', type: 'text' }],
      } }], wires: [],
    },
  });
  const problems = (res.json() as { problems: { path: string; message: string }[] }).problems.map((p) => [p.path, p.message]);
  assert.deepEqual(problems, [
    ['/nodes/0/config/columns/0/unit', 'unit applies to timestamptz columns only, "ts" is bigint'],
    ['/nodes/0/config/columns/2/name', 'column "sensor" is listed twice'],
    ['/nodes/0/config/key/1', 'key column "station" is not one of the columns: ts, sensor'],
    ['/nodes/0/config/hypertable/timeColumn', 'the hypertable\'s time column "ts" must be one of the columns, of type timestamptz'],
  ]);
});

test('hypertable "require" without TimescaleDB fails the deploy clearly; "auto" keeps a plain table', async (t) => {
  const db = await pgSchema(t);
  const [ext] = await db.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`);
  if (ext!.n > 0) { t.skip('TimescaleDB is installed here: the fallback cannot be observed'); return; }
  await assert.rejects(sink(t, readingsConfig(db.name, { hypertable: { mode: 'require' } })),
    /hypertable required for "sluice_test_\w+"\."readings", but the timescaledb extension is not installed in database "postgres"/);
  const node = await sink(t, readingsConfig(db.name, { table: 'plain', hypertable: { mode: 'auto' } }));
  await node.process!([reading(1)], meta);
  assert.deepEqual(await count(db, 'plain'), { rows: 1, distinct: 1 });
});

test('a deploy while PostgreSQL is unreachable succeeds; rows arrive once it is back, with the outage shown meanwhile', async (t) => {
  const db = await pgSchema(t);
  const proxy = await tcpProxy(PG.port);
  t.after(() => proxy.close());
  proxy.cut();
  const { runtime } = await openApp(t);
  await runtime.deploy('pg-late', {
    sluice: 1, id: 'pg-late',
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 500, batchSize: 50 } },
      { id: 'pg', type: 'postgres', config: { ...readingsConfig(db.name), connection: { host: '127.0.0.1', port: proxy.port }, connectTimeoutMs: 500,
        columns: [{ name: 'seq', type: 'integer' }, { name: 'sensor', type: 'text' }, { name: 'value', type: 'integer' }], key: ['seq'] } },
    ],
    wires: [{ from: 'feed', to: 'pg' }],
  });
  const outage = await waitFor('the outage in the node status', () => {
    const s = runtime.status('pg-late')!.nodes.pg!.status;
    return s.state === 'retrying' ? s.text : undefined;
  });
  assert.match(outage ?? '', /unavailable for \d+ s, retrying until it is back: PostgreSQL unavailable: /);
  proxy.restore();
  await waitFor('500 rows', async () => (await rowsIn(db, 'readings')) === 500);
  assert.equal(runtime.status('pg-late')!.deadLetters, 0);
});
