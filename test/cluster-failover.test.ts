import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { startIlpServer, type IlpTestServer } from './fixtures/ilp-server.js';
import { testNodes } from './fixtures/test-nodes.js';
import { uniquePrefix } from './helpers/mqtt-broker.js';
import { natsCluster } from './helpers/nats-cluster.js';
import { PG, pgSchema, type PgSchema } from './helpers/postgres.js';
import { api, killHard, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { ownMosquitto, startClusterServer, waitForOwners, serverId } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const READINGS = 300_000;
const SENSORS = 300;
const T0 = Date.UTC(2026, 2, 1, 8);
const PER_MESSAGE = 20;
const PER_BODY = 500;
const TOKEN = 'cluster-failover-token-7d1e0c';

interface Reading { seq: number; sensor: string; ts: number; value: number }

/** Each sensor reads once a second of event time; every (sensor, ts) is unique, and so is seq. */
const reading = (seq: number): Reading => ({
  seq, sensor: `s${seq % SENSORS}`, ts: T0 + Math.floor(seq / SENSORS) * 1000, value: ((seq * 7919) % 1000) / 10,
});
/**
 * After the stream, one reading per sensor two hours later: it moves every partition's watermark past every window
 * (the rollup allows an hour of lateness, so the order in which servers journal readings never makes one late).
 */
const flushReadings = (): Reading[] => Array.from({ length: SENSORS }, (_, i) => ({ seq: READINGS + i, sensor: `s${i}`, ts: T0 + 2 * 3_600_000, value: 50 }));

function flow(mqttUrl: string, topic: string, questdb: string, pgSchemaName: string) {
  return {
    sluice: 1, id: 'failover',
    nodes: [
      { id: 'mqtt', type: 'mqtt-in', config: { url: mqttUrl, topics: [topic], qos: 1, connections: 2 } },
      { id: 'http', type: 'http-in', config: { path: 'failover', token: TOKEN } },
      ...processing(questdb),
      { id: 'pg', type: 'postgres', config: {
        connection: { host: PG.host, port: PG.port }, schema: pgSchemaName, table: 'readings', key: ['seq'],
        columns: [{ name: 'seq', type: 'integer' }, { name: 'sensor', type: 'text' }, { name: 'ts', type: 'bigint' }, { name: 'value', type: 'double precision' }],
      } },
    ],
    wires: [
      { from: 'mqtt', to: 'check' }, { from: 'http', to: 'check' },
      { from: 'check', to: 'rollup' }, { from: 'check', to: 'raw' }, { from: 'check', to: 'pg' }, { from: 'rollup', to: 'rollups' },
    ],
    settings: { partitions: 3, partitionBy: ['sensor'], checkpointIntervalMs: 500 },
  };
}

/** validate → rollup keyed by sensor → QuestDB, and the readings themselves into QuestDB: shared with the single-server run. */
function processing(questdb: string) {
  return [
    { id: 'check', type: 'validate', config: { required: ['seq', 'sensor', 'ts', 'value'], ranges: { value: { min: 0, max: 100 } } } },
    { id: 'rollup', type: 'rollup', config: {
      window: '1m', keyBy: ['sensor'], allowedLateness: '1h',
      aggregates: [{ field: 'value', aggregates: ['count', 'mean', 'min', 'max'] }],
    } },
    { id: 'rollups', type: 'questdb', config: {
      address: questdb, table: 'rollups', timestamp: { field: 'window_start', column: 'ts', unit: 'ms' },
      columns: { sensor: 'symbol', count: 'long', value_mean: 'double', value_min: 'double', value_max: 'double' },
    } },
    { id: 'raw', type: 'questdb', config: { address: questdb, table: 'readings', columns: { sensor: 'symbol', value: 'double', seq: 'long' } } },
  ];
}

type RollupRow = { ts: bigint; sensor: string; count: bigint | number; value_mean: number; value_min: number; value_max: number };

function rollupsByKey(server: IlpTestServer): Map<string, RollupRow> {
  return new Map((server.rows('rollups') as RollupRow[]).map((r) => [`${r.ts}|${r.sensor}`, r]));
}

/** The same readings through validate → rollup → QuestDB on one server with the SQLite journal: the reference rows. */
async function singleServerRollups(t: Parameters<typeof tempDir>[0], all: Reading[]): Promise<Map<string, RollupRow>> {
  const questdb = await startIlpServer();
  t.after(() => questdb.close());
  const dir = tempDir(t);
  const file = join(dir, 'readings.ndjson');
  writeFileSync(file, all.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const manager = await RuntimeManager.open({ dataDir: join(dir, 'data'), registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger });
  t.after(() => manager.close());
  await manager.deploy('reference', {
    sluice: 1, id: 'reference',
    nodes: [{ id: 'feed', type: 'test-file-feed', config: { file, batchSize: 1000 } }, ...processing(questdb.url)],
    wires: [{ from: 'feed', to: 'check' }, { from: 'check', to: 'rollup' }, { from: 'check', to: 'raw' }, { from: 'rollup', to: 'rollups' }],
  });
  const windows = Math.ceil(READINGS / SENSORS / 60) * SENSORS;
  await waitFor(`${windows} reference rollup rows`, () => questdb.rows('rollups').length >= windows, 120_000);
  return rollupsByKey(questdb);
}

async function pgCounts(db: PgSchema): Promise<{ rows: number; distinct: number }> {
  const [exists] = await db.query(`SELECT to_regclass($1) IS NOT NULL AS yes`, [`${db.name}.readings`]);
  if (!exists!.yes) return { rows: 0, distinct: 0 };
  const [r] = await db.query<{ rows: number; distinct: number }>(`SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS distinct FROM ${db.name}.readings WHERE seq < ${READINGS}`);
  return r!;
}

test(`${READINGS} readings over MQTT and HTTP into 3 servers while two servers and a NATS server are killed: every reading in both sinks once, rollups as on one server`, { timeout: 900_000 }, async (t) => {
  const all = Array.from({ length: READINGS }, (_, i) => reading(i));
  const flush = flushReadings();
  const reference = await singleServerRollups(t, [...all, ...flush]);

  const nats = await natsCluster(t);
  const mosquitto = await ownMosquitto(t);
  const questdb = await startIlpServer();
  t.after(() => questdb.close());
  const db = await pgSchema(t);
  const base = tempDir(t);
  const topic = `${uniquePrefix('failover')}/data`;
  const doc = flow(mosquitto, topic, questdb.url, db.name);
  const servers: (ServerProcess | undefined)[] = [];
  const start = (i: number) => startClusterServer(join(base, `s${i}`), nats.urls, 'failover');
  t.after(async () => { for (const s of servers) if (s && s.child.exitCode === null) await stopGracefully(s); });
  for (let i = 0; i < 3; i++) {
    servers[i] = await start(i);
    await api(servers[i]!, '/api/flows/failover/deploy', { method: 'POST', body: doc });
  }
  const ids = await Promise.all(servers.map((s) => serverId(s!)));
  await waitForOwners(servers[0]!, 'failover', ids);

  // HTTP: every body is sent until a server answered 202, to whichever server is up (a load balancer's retry).
  let next = 0;
  const post = async (body: Reading[]): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const s = servers[next++ % servers.length];
      const res = s && await fetch(`${s.url}/ingest/failover`, {
        method: 'POST', body: JSON.stringify(body),
        // The same key on every retry of a body: a body whose answer was lost in a kill is journaled once.
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': `body-${body[0]!.seq}` },
      }).catch(() => undefined);
      if (res?.status === 202) return;
      await res?.body?.cancel();
      if (attempt > 2000) throw new Error(`a body was refused ${attempt} times (last ${res?.status})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const publisher = await mqtt.connectAsync(mosquitto, { clientId: `failover-pub-${process.pid}`, clean: true, reconnectPeriod: 0 });
  t.after(() => publisher.endAsync(true));
  const overMqtt = all.filter((r) => r.seq % 3 !== 0);
  const overHttp = all.filter((r) => r.seq % 3 === 0);
  let sent = 0;
  // Paced (about 10,000 readings/s) so the kills land in the middle of the stream.
  const streaming = (async () => {
    const chunk = 2000;
    for (let i = 0; i < READINGS; i += chunk) {
      const began = Date.now();
      const m = overMqtt.filter((r) => r.seq >= i && r.seq < i + chunk);
      const h = overHttp.filter((r) => r.seq >= i && r.seq < i + chunk);
      const sends: Promise<unknown>[] = [];
      for (let j = 0; j < m.length; j += PER_MESSAGE) sends.push(publisher.publishAsync(topic, JSON.stringify(m.slice(j, j + PER_MESSAGE)), { qos: 1 }));
      for (let j = 0; j < h.length; j += PER_BODY) sends.push(post(h.slice(j, j + PER_BODY)));
      await Promise.all(sends);
      sent = i + chunk;
      await new Promise((r) => setTimeout(r, Math.max(0, 200 - (Date.now() - began))));
    }
  })();

  const random = (from: number, to: number) => from + Math.random() * (to - from);
  const atShare = (share: number) => waitFor(`${share * 100}% of the readings sent`, () => sent >= share * READINGS, 300_000);
  const log: string[] = [];
  const killSluice = async (i: number) => {
    log.push(`SIGKILL sluice ${ids[i]} at ${sent} sent`);
    const s = servers[i]!;
    servers[i] = undefined;
    await killHard(s);
    servers[i] = await start(i);
  };
  await atShare(random(0.1, 0.3));
  await killSluice(Math.floor(Math.random() * 3));
  await atShare(random(0.35, 0.5));
  const n = Math.floor(Math.random() * 3);
  log.push(`SIGKILL nats ${nats.nodes[n]!.name} at ${sent} sent`);
  await nats.kill(n);
  await atShare(random(0.5, 0.6));
  await nats.restart(n);
  log.push(`restarted nats ${nats.nodes[n]!.name} at ${sent} sent`);
  await atShare(random(0.65, 0.85));
  await killSluice(Math.floor(Math.random() * 3));
  await streaming;
  log.push(`all ${READINGS} readings accepted`);
  // The broker may still hold readings for the servers: the flush (which closes every window) comes after them all.
  await waitFor(`all ${READINGS} readings in PostgreSQL`, async () => (await pgCounts(db)).distinct >= READINGS, 300_000);
  await Promise.all(flush.map((_, i) => i).filter((i) => i % 30 === 0).map((i) => post(flush.slice(i, i + 30))));
  await waitFor(`all ${READINGS} readings in QuestDB`, () => questdb.rows('readings').filter((r) => Number(r.seq) < READINGS).length >= READINGS, 120_000);
  await waitFor(`${reference.size} rollup rows`, () => questdb.rows('rollups').length >= reference.size, 120_000);

  assert.deepEqual(await pgCounts(db), { rows: READINGS, distinct: READINGS }, 'every reading once in PostgreSQL (by key)');
  const raw = questdb.rows('readings').filter((r) => Number(r.seq) < READINGS);
  assert.equal(new Set(raw.map((r) => Number(r.seq))).size, READINGS, 'every reading once in QuestDB (by its dedup key)');
  const got = rollupsByKey(questdb);
  assert.equal(got.size, reference.size);
  for (const [key, want] of reference) {
    const row = got.get(key);
    assert.ok(row, `rollup row ${key} is missing`);
    assert.equal(Number(row.count), Number(want.count), `count of ${key}`);
    assert.equal(row.value_min, want.value_min, `min of ${key}`);
    assert.equal(row.value_max, want.value_max, `max of ${key}`);
    // Readings of a key reach the cluster's rollup in another order than the file feed's: the sums may differ in the last bit.
    assert.ok(Math.abs(row.value_mean - want.value_mean) < 1e-9, `mean of ${key}: ${row.value_mean} vs ${want.value_mean}`);
  }
  const status = await api<{ deadLetters: number }>(servers.find((x) => x)!, '/api/flows/failover/status');
  assert.equal(status.deadLetters, 0, 'no reading was late or failed');
  t.diagnostic(`${log.join('; ')}; ${questdb.stats.rowsSeenTwice} QuestDB rows written again (replays absorbed by the dedup keys)`);
});
