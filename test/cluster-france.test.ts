import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startIlpServer } from './fixtures/ilp-server.js';
import { HOUR, HOURS, START, assertRows, communes, expectedRows, readings, sortRows } from './helpers/france-readings.js';
import { sendJson, startHttpServer } from './helpers/http-server.js';
import { natsCluster } from './helpers/nats-cluster.js';
import { api, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { franceDataDir } from './helpers/shared-data.js';
import { shippedFlow } from './helpers/shipped-flow.js';
import { clusterOf, startClusterServer } from './helpers/sluice-cluster.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'france-hourly-temperature';
const API_KEY = 'france-key-3b7e';
const QUESTDB_TOKEN = 'france-qdb-9c41';

interface ApiReading { id: string; timestamp: number; lat: number; lon: number; temperature: unknown; country: string }

test('France hourly temperature on 3 servers: polled by one, repartitioned by region into 3 partitions; the hourly rows equal the single-server test', { timeout: 300_000 }, async (t) => {
  const dir = franceDataDir();
  const geojson = join(dir, 'regions-avec-outre-mer.geojson');
  if (!existsSync(geojson)) {
    t.skip(`the France reference data is not at ${dir} (set SLUICE_SHARED_DATA): this flow test needs it`);
    return;
  }
  const sample = communes(dir);
  const data = readings(sample);
  const expected = expectedRows(data);
  const abroad: ApiReading[] = [{ id: 'CH-bern', lat: 46.948, lon: 7.4474, country: 'CH', timestamp: START + 1000, temperature: 12 }];
  // Each partition's rollup has a watermark of its own (from the readings it sees), so the last hour ends in every
  // partition only with a later reading of one of its regions: one per region, 10 min into the next hour.
  const regions = [...new Set(data.map((r) => r.regionCode))];
  const flush: ApiReading[] = regions.map((code) => {
    const c = sample.find((s) => s.regionCode === code)!;
    return { id: c.insee, timestamp: START + HOURS * HOUR + 10 * 60_000, lat: c.lat, lon: c.lon, temperature: 15, country: 'FR' };
  });
  const all: ApiReading[] = [
    ...data.map((r) => ({ id: r.sensor, timestamp: r.ts, lat: r.lat, lon: r.lon, temperature: r.value, country: 'FR' })),
    ...abroad, ...flush,
  ].sort((a, b) => a.timestamp - b.timestamp);

  let released = START + 4 * HOUR;
  const vendor = await startHttpServer(t, (req, res) => {
    if (req.headers['x-api-key'] !== API_KEY) return sendJson(res, 401, { error: 'bad key' });
    const m = /^\/temperatures\?since=(\d+)$/.exec(req.url);
    if (!m) return sendJson(res, 404, { error: `no route ${req.url}` });
    const answer = all.filter((r) => r.timestamp > Number(m[1]) && r.timestamp < released);
    released = Infinity;
    sendJson(res, 200, answer);
  });
  const questdb = await startIlpServer({ token: QUESTDB_TOKEN });
  t.after(() => questdb.close());
  const nats = await natsCluster(t);
  const env = {
    FRANCE_TEMPERATURE_API: vendor.url, FRANCE_REGIONS_GEOJSON: geojson, FRANCE_QUESTDB_URL: questdb.url,
    SLUICE_SECRET_france_api_key: API_KEY, SLUICE_SECRET_france_questdb_token: QUESTDB_TOKEN,
  };
  const base = tempDir(t);
  const servers: ServerProcess[] = [];
  t.after(async () => { for (const s of servers) if (s.child.exitCode === null) await stopGracefully(s); });
  for (let i = 0; i < 3; i++) servers.push(await startClusterServer(join(base, `s${i}`), nats.urls, 'france', [], { env }));

  // The shipped flow with one node more: a repartition by region before the hourly rollup.
  const doc = shippedFlow(FLOW);
  doc.nodes.push({ id: 'by-region', type: 'repartition', config: { by: ['region_code'], partitions: 3 } });
  doc.wires = doc.wires.map((w) => (w.from === 'region' && w.to === 'hourly' ? { from: 'region', to: 'by-region' } : w));
  doc.wires.push({ from: 'by-region', to: 'hourly' });
  for (const s of servers) await api(s, `/api/flows/${FLOW}/deploy`, { method: 'POST', body: doc });

  await waitFor(`${expected.length} hourly rows in QuestDB`, () => questdb.rows('france_region_hourly').length >= expected.length, 120_000);
  const stored = questdb.rows('france_region_hourly');
  const rows = sortRows(stored.map((r) => {
    const start = Number((r.ts as bigint) / 1_000_000n);
    return {
      window_start: start, window_end: start + HOUR, region_code: String(r.region_code), value_count: Number(r.count),
      value_mean: r.temperature_mean, value_mean_prev3: r.temperature_mean_prev3 ?? null, value_mean_diff3: r.temperature_mean_diff3 ?? null,
    };
  }).filter((r) => r.window_start < START + HOURS * HOUR));
  assertRows(rows, expected, assert.fail);
  await waitFor('the unmatched reading in QuestDB', () => questdb.rows('france_unmatched').length >= abroad.length, 20_000);
  assert.equal(questdb.rows('france_unmatched').length, abroad.length);

  const view = await clusterOf(servers[0]!);
  const hourly = view.partitions.filter((p) => p.flow === FLOW && p.stage === 1);
  assert.equal(hourly.length, 3, 'the rollup stage has 3 partitions');
  assert.ok(hourly.every((p) => p.owner !== null && p.replicas === 3), JSON.stringify(hourly));
  const busy = new Set([...view.partitions.map((p) => p.owner), ...view.singletons.map((s) => s.owner)]);
  assert.equal(busy.size, 3, `every server runs part of the flow (${[...busy].join(', ')})`);
  const poller = view.singletons.find((s) => s.node === 'temperatures')!;
  t.diagnostic(`${rows.length} hourly rows over ${regions.length} regions; poller on ${poller.owner}; rollup partitions on ${hourly.map((p) => p.owner).join(', ')}`);
});
