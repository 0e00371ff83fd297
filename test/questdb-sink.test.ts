import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeInstance, NodeStatus, Outputs } from '../server/core/types.js';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';
import { startIlpServer, type IlpTestServer } from './fixtures/ilp-server.js';

const meta = { offset: 1, ts: Date.now() };
const T0 = Date.UTC(2024, 0, 1);

async function server(t: { after(fn: () => Promise<void>): void }, options?: Parameters<typeof startIlpServer>[0]): Promise<IlpTestServer> {
  const s = await startIlpServer(options);
  t.after(() => s.close());
  return s;
}

const baseConfig = (s: IlpTestServer, extra: object = {}) => ({
  address: s.url, table: 'readings', columns: { sensor: 'symbol', seq: 'long', value: 'double' }, dedupKeys: ['sensor', 'seq'], ...extra,
});

async function sink(config: object, statuses: NodeStatus[] = []): Promise<NodeInstance> {
  const node = await createNode('questdb', config, nodeContext({ nodeId: 'qdb', status: (s) => statuses.push(s) }));
  await node.start?.();
  return node;
}

const readings = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ ts: T0 + from + i, sensor: `s${(from + i) % 3}`, seq: from + i, value: (from + i) / 4 }));

test('on first deploy the table is created with WAL, partitioning and DEDUP UPSERT KEYS, then rows arrive exactly', async (t) => {
  const s = await server(t);
  const node = await sink(baseConfig(s, { partitionBy: 'HOUR' }));
  const table = s.tables.get('readings');
  assert.ok(table, 'the table exists before the first write');
  assert.deepEqual([table.wal, table.partitionBy, table.designated, table.dedupKeys], [true, 'HOUR', 'ts', ['ts', 'sensor', 'seq']]);
  assert.deepEqual(Object.fromEntries(table.columns), { sensor: 'SYMBOL', seq: 'LONG', value: 'DOUBLE', ts: 'TIMESTAMP' });

  assert.equal(await node.process!(readings(1000), meta), undefined, 'nothing goes to error');
  const rows = s.rows('readings');
  assert.equal(rows.length, 1000);
  assert.deepEqual(rows[7], { ts: BigInt(T0 + 7) * 1_000_000n, sensor: 's1', seq: 7n, value: 1.75 });
});

test('a batch larger than autoFlushRows goes in several requests, each acknowledged before process resolves', async (t) => {
  const s = await server(t);
  const node = await sink(baseConfig(s, { autoFlushRows: 300, maxInFlight: 3 }));
  await node.process!(readings(1000), meta);
  assert.equal(s.stats.acceptedRequests, 4);
  assert.equal(s.rows('readings').length, 1000);
});

test('a table with another schema fails start() with the table and every difference named', async (t) => {
  const s = await server(t);
  const exec = (q: string) => fetch(`${s.url}/exec?query=${encodeURIComponent(q)}`).then((r) => r.json());
  await exec('CREATE TABLE readings (sensor SYMBOL, seq DOUBLE, value VARCHAR, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts)');
  const node = await createNode('questdb', baseConfig(s), nodeContext());
  await assert.rejects(async () => node.start!(), (err: Error) => {
    assert.match(err.message, /table readings exists with another schema/);
    assert.match(err.message, /column seq is DOUBLE but the sink writes long/);
    assert.match(err.message, /column value is VARCHAR but the sink writes double/);
    assert.match(err.message, /DEDUP UPSERT KEYS are \(ts\) but the sink needs \(ts, sensor, seq\)/);
    return true;
  });
});

test('an unreachable database does not fail start(); the table is checked and created before the first write', async (t) => {
  const s = await server(t);
  await s.down();
  const statuses: NodeStatus[] = [];
  const node = await sink(baseConfig(s), statuses);
  assert.equal(statuses.at(-1)?.state, 'reconnecting');
  assert.match(statuses.at(-1)?.text ?? '', /unreachable/);
  await assert.rejects(async () => node.process!(readings(10), meta), /unreachable/, 'a write while down fails (and is retried by the runtime)');
  await s.up();
  await node.process!(readings(10), meta);
  assert.deepEqual(s.tables.get('readings')?.dedupKeys, ['ts', 'sensor', 'seq'], 'created with dedup before the first row');
  assert.equal(s.rows('readings').length, 10);
  assert.equal(statuses.at(-1)?.state, 'running');
});

test('rows QuestDB rejects go to error with its message; the rest of the batch is written', async (t) => {
  const s = await server(t);
  const node = await sink(baseConfig(s));
  const batch = readings(20);
  const bad = [3, 11, 12];
  const records = batch.map((r, i) => (bad.includes(i) ? { ...r, ts: -1000 - i } : r));
  const out = (await node.process!(records, meta)) as Outputs;
  const errors = out.error as { record: { seq: number }; error: string; table: string; status: number; errorId: string }[];
  assert.deepEqual(errors.map((e) => e.record.seq), bad);
  assert.match(errors[0]!.error, /^QuestDB rejected the row: .*designated timestamp before 1970-01-01 is not allowed/s);
  assert.equal(errors[0]!.status, 400);
  assert.equal(errors[0]!.table, 'readings');
  assert.ok(errors[0]!.errorId);
  assert.deepEqual(s.rows('readings').map((r) => Number(r.seq)).sort((a, b) => a - b), batch.map((r) => r.seq).filter((q) => !bad.includes(q)));
});

test('without a line number in the answer, the request is bisected down to exactly the rejected rows', async (t) => {
  const s = await server(t, { errorLine: false });
  const node = await sink(baseConfig(s));
  const bad = [0, 9, 10, 63];
  const records = readings(64).map((r, i) => (bad.includes(i) ? { ...r, ts: -1 - i } : r));
  const out = (await node.process!(records, meta)) as Outputs;
  assert.deepEqual((out.error as { record: { seq: number } }[]).map((e) => e.record.seq), bad);
  assert.equal(s.rows('readings').length, 60);
  t.diagnostic(`${s.stats.writeRequests} requests for 64 rows with 4 bad ones`);
});

test('records that cannot become a row go to error without a request, naming the field', async (t) => {
  const s = await server(t);
  const node = await sink(baseConfig(s, { table: 'r_{site}' }));
  const out = (await node.process!([
    { ts: T0, sensor: 'a', seq: 1, value: 1, site: 'north' },
    { ts: 'yesterday', sensor: 'a', seq: 2, value: 1, site: 'north' },
    { ts: T0, sensor: 'a', seq: 3.5, value: 1, site: 'north' },
    { ts: T0, sensor: 'a', seq: 4, value: '21', site: 'north' },
    { ts: T0, sensor: 'a', seq: 5, value: 1, site: 'south pole' },
    { ts: T0, sensor: 'a', seq: 6, value: 1, site: 'south' },
  ], meta)) as Outputs;
  assert.deepEqual((out.error as { error: string }[]).map((e) => e.error), [
    'ts: expected a time in ms or an ISO 8601 string, got "yesterday"',
    'seq: 3.5 is not an integer',
    'value: expected a number, got "21"',
    'table name: field site is "south pole"; the template "r_{site}" needs letters, digits or _ there',
  ]);
  assert.equal(s.rows('r_north').length, 1);
  assert.equal(s.rows('r_south').length, 1);
  assert.ok(s.tables.get('r_south')?.dedupKeys.length, 'every templated table is created with dedup before its first row');
});

test('5xx, dropped connections and refused connections reject process promptly (the runtime retries); a retry after a lost acknowledgement leaves no duplicate', async (t) => {
  const s = await server(t);
  const node = await sink(baseConfig(s, { requestTimeoutMs: 300 }));
  s.fault = { kind: 'status', status: 503, remaining: Infinity };
  await assert.rejects(async () => node.process!(readings(5), meta), /QuestDB answered 503/);
  s.fault = { kind: 'status', status: 502, remaining: 1 };
  await assert.rejects(async () => node.process!(readings(5), meta), /QuestDB answered 502/);
  s.fault = { kind: 'drop', afterCommit: true, remaining: 1 };
  await assert.rejects(async () => node.process!(readings(5), meta), /QuestDB at http:\/\/127\.0\.0\.1:\d+ did not answer: socket hang up/);
  assert.equal(s.rows('readings').length, 5, 'QuestDB committed the request whose answer was lost');
  await node.process!(readings(5), meta);
  assert.equal(s.rows('readings').length, 5, 'the retry upserted the same keys');
  assert.equal(s.stats.rowsSeenTwice, 5);
  await s.down();
  const started = Date.now();
  await assert.rejects(async () => node.process!(readings(5), meta), /did not answer/);
  assert.ok(Date.now() - started < 1000, 'a refused connection fails the attempt at once, leaving nothing retrying in the background');
});

test('the token travels as a bearer token; a wrong one is not mistaken for bad rows', async (t) => {
  const s = await server(t, { token: 'sesame' });
  const node = await sink(baseConfig(s, { token: 'sesame' }));
  await node.process!(readings(3), meta);
  assert.equal(s.rows('readings').length, 3);
  const wrong = await createNode('questdb', baseConfig(s, { token: 'nope' }), nodeContext());
  await assert.rejects(async () => wrong.start!(), /401/);
});

test('a deploy onto a table with another schema fails and the previous revision keeps writing; an unreachable database deploys', async (t) => {
  const s = await server(t);
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry(builtinNodes), log: silentLogger });
  t.after(() => manager.close());
  const doc = (table: string, address = s.url) => ({
    sluice: 1, id: 'deploy-check',
    nodes: [
      { id: 'sim', type: 'simulate', config: { sensors: 2, ratePerSecond: 500, batchMs: 20 } },
      { id: 'db', type: 'questdb', config: { ...baseConfig(s), address, table } },
    ],
    wires: [{ from: 'sim', to: 'db' }],
  });
  await manager.deploy('deploy-check', doc('good'));
  await waitFor('rows in the first table', () => s.rows('good').length > 0);
  await fetch(`${s.url}/exec?query=${encodeURIComponent('CREATE TABLE taken (sensor SYMBOL, seq LONG, value LONG, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sensor, seq)')}`);
  await assert.rejects(manager.deploy('deploy-check', doc('taken')), /previous revision kept.*node "db" \(questdb\) could not start: table taken exists with another schema: column value is LONG but the sink writes double/s);
  const before = s.rows('good').length;
  await waitFor('the previous revision still writing', () => s.rows('good').length > before);
  assert.equal(s.rows('taken').length, 0);

  await manager.deploy('deploy-check', doc('elsewhere', 'http://127.0.0.1:1'));
  assert.equal(manager.status('deploy-check')!.state, 'running', 'a database that is down does not block a deploy');
  await waitFor('the sink showing the outage', () => manager.status('deploy-check')!.nodes.db!.status.state === 'retrying');
});
