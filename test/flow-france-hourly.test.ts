import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startIlpServer } from './fixtures/ilp-server.js';
import { openApp } from './helpers/api-app.js';
import { HOUR, HOURS, START, assertRows, communes, expectedRows, readings, sortRows } from './helpers/france-readings.js';
import { sendJson, startHttpServer } from './helpers/http-server.js';
import { franceDataDir } from './helpers/shared-data.js';
import { setEnv, shippedFlow, validateOffline, widgetQuery } from './helpers/shipped-flow.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'france-hourly-temperature';
const API_KEY = 'france-key-3b7e';
const QUESTDB_TOKEN = 'france-qdb-9c41';

interface ApiReading { id: string; timestamp: number; lat: number; lon: number; temperature: unknown; country: string }

/** Sensors outside every French region (beyond the 2 km tolerance): they must leave by `unmatched`. */
const ABROAD = [
  { id: 'BE-brussels', lat: 50.8503, lon: 4.3517, country: 'BE' },
  { id: 'CH-bern', lat: 46.948, lon: 7.4474, country: 'CH' },
  { id: 'UK-london', lat: 51.5072, lon: -0.1276, country: 'GB' },
  { id: 'XX-biscay', lat: 45.5, lon: -5, country: 'FR' },
];

test('France hourly temperature: API every 10 s → validate → region lookup → hourly mean per region vs 3 h earlier → QuestDB; unmatched routed and counted', { timeout: 120_000 }, async (t) => {
  const dir = franceDataDir();
  const geojson = join(dir, 'regions-avec-outre-mer.geojson');
  if (!existsSync(geojson)) {
    t.skip(`the France reference data is not at ${dir} (set SLUICE_SHARED_DATA): this flow test needs it`);
    return;
  }
  const data = readings(communes(dir));
  const expected = expectedRows(data);
  const abroad: ApiReading[] = [];
  for (let q = 0; q < HOURS * 4; q++) {
    for (const s of ABROAD) abroad.push({ ...s, timestamp: START + q * 15 * 60_000 + 1000, temperature: 12 + q * 0.1 });
  }
  const invalid: ApiReading[] = [
    { id: '75056', timestamp: START + 30 * 60_000 + 2000, lat: 48.8566, lon: 2.3522, temperature: 'n/a', country: 'FR' },
    { id: '75056', timestamp: START + 31 * 60_000 + 2000, lat: 48.8566, lon: 2.3522, temperature: 999, country: 'FR' },
    { id: '13055', timestamp: START + 32 * 60_000 + 2000, lat: 943.2965, lon: 5.3698, temperature: 21, country: 'FR' },
  ];
  // A reading in the next hour moves the watermark past the last hour of the data (5 min lateness).
  const flush: ApiReading = { id: '75056', timestamp: START + HOURS * HOUR + 10 * 60_000, lat: 48.8566, lon: 2.3522, temperature: 15, country: 'FR' };
  const all: ApiReading[] = [
    ...data.map((r) => ({ id: r.sensor, timestamp: r.ts, lat: r.lat, lon: r.lon, temperature: r.value, country: 'FR' })),
    ...abroad, ...invalid, flush,
  ].sort((a, b) => a.timestamp - b.timestamp);

  // The API answers what is strictly after the cursor; at first only the first 4 hours have happened.
  let released = START + 4 * HOUR;
  const api = await startHttpServer(t, (req, res) => {
    if (req.headers['x-api-key'] !== API_KEY) return sendJson(res, 401, { error: 'bad key' });
    const m = /^\/temperatures\?since=(\d+)$/.exec(req.url);
    if (!m) return sendJson(res, 404, { error: `no route ${req.url}` });
    const answer = all.filter((r) => r.timestamp > Number(m[1]) && r.timestamp < released);
    released = Infinity;
    sendJson(res, 200, answer);
  });
  const questdb = await startIlpServer({ token: QUESTDB_TOKEN });
  t.after(() => questdb.close());
  setEnv(t, { FRANCE_TEMPERATURE_API: api.url, FRANCE_REGIONS_GEOJSON: geojson, FRANCE_QUESTDB_URL: questdb.url });

  // The parameters the README lists are exactly the references the file holds.
  const offline = await validateOffline(FLOW);
  assert.equal(offline.code, 0, offline.lines.join('\n'));
  assert.deepEqual(offline.references, ['${env:FRANCE_QUESTDB_URL}', '${env:FRANCE_REGIONS_GEOJSON}', '${env:FRANCE_TEMPERATURE_API}', '${secret:france_api_key}', '${secret:france_questdb_token}']);

  const { app, runtime } = await openApp(t);
  for (const [name, value] of [['france_api_key', API_KEY], ['france_questdb_token', QUESTDB_TOKEN]]) {
    assert.equal((await app.inject({ method: 'PUT', url: `/api/secrets/${name}`, payload: { value } })).statusCode, 204);
  }
  // The shipped file as it is: every peer comes from the environment and the secrets.
  const deployed = await app.inject({ method: 'POST', url: `/api/flows/${FLOW}/deploy`, payload: shippedFlow(FLOW) });
  assert.equal(deployed.statusCode, 200, deployed.body);

  await waitFor(`${expected.length} hourly rows in QuestDB`, () => questdb.rows('france_region_hourly').length >= expected.length, 60_000);
  const stored = questdb.rows('france_region_hourly');
  const rows = sortRows(stored.map((r) => {
    const start = Number((r.ts as bigint) / 1_000_000n);
    return {
      window_start: start, window_end: start + HOUR, region_code: String(r.region_code), value_count: Number(r.count),
      value_mean: r.temperature_mean, value_mean_prev3: r.temperature_mean_prev3 ?? null, value_mean_diff3: r.temperature_mean_diff3 ?? null,
    };
  }));
  assert.equal(new Set(rows.map((r) => r.region_code)).size, 13, 'all 13 metropolitan regions');
  assertRows(rows, expected, assert.fail);
  const names = new Map(stored.map((r) => [String(r.region_code), String(r.region)]));
  assert.equal(names.get('11'), 'Île-de-France');
  assert.equal(names.get('93'), "Provence-Alpes-Côte d'Azur");

  // The dashboard: each region's hourly means on the chart, and per region its latest hour with the change since 3 hours earlier.
  const widget = <T>(nodeId: string, name: string, params: { [k: string]: string } = {}) => widgetQuery<T>(app, 'france', FLOW, nodeId, name, params);
  await waitFor('every hourly mean on the chart', async () => {
    const range = await widget<{ series: { key: string; ts: number[]; values: (number | null)[] }[] }>('hourly-chart', 'range', { from: String(START - HOUR), to: String(START + (HOURS + 2) * HOUR), width: '4000' });
    const drawn = range.series.flatMap((s) => s.ts.flatMap((ts, i) => (s.values[i] === null ? [] : [`${s.key}@${ts}=${s.values[i]}`]))).sort();
    return JSON.stringify(drawn) === JSON.stringify(stored.map((r) => `${String(r.region)}@${Number((r.ts as bigint) / 1_000_000n)}=${String(r.temperature_mean)}`).sort());
  });
  const latestHour = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if ((latestHour.get(r.region_code)?.window_start ?? -1) < r.window_start) latestHour.set(r.region_code, r);
  const table = await widget<{ rows: { region: string; temperature_mean: number; temperature_mean_diff3: number | null }[] }>('change-table', 'rows');
  assert.deepEqual(table.rows.map((r) => [r.region, r.temperature_mean, r.temperature_mean_diff3]).sort(),
    [...latestHour.values()].map((r) => [names.get(r.region_code), r.value_mean, r.value_mean_diff3]).sort());

  // Two polls: the cursor advanced to the newest timestamp of the first answer.
  const since = api.requests.map((r) => Number(/since=(\d+)/.exec(r.url)![1]));
  assert.equal(since[0], 0);
  assert.equal(since[1], Math.max(...all.filter((r) => r.timestamp < START + 4 * HOUR).map((r) => r.timestamp)));

  // Unmatched: routed to their own table, one row per reading, and counted on the region node.
  await waitFor('the unmatched readings in QuestDB', () => questdb.rows('france_unmatched').length >= abroad.length, 20_000);
  const unmatched = questdb.rows('france_unmatched');
  assert.equal(unmatched.length, abroad.length);
  const perSensor = new Map<string, number>();
  for (const r of unmatched) perSensor.set(String(r.sensor), (perSensor.get(String(r.sensor)) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perSensor), Object.fromEntries(ABROAD.map((s) => [s.id, HOURS * 4])));
  assert.ok(unmatched.every((r) => /^no region within 2000 m of lat /.test(String(r.reason))), String(unmatched[0]?.reason));
  const status = runtime.status(FLOW)!;
  assert.equal(status.nodes.region!.out.unmatched, abroad.length);
  assert.equal(status.nodes.check!.out.invalid, invalid.length, 'non-numeric, out-of-range temperature and latitude');
  assert.equal(status.nodes.temperatures!.out.out, all.length);
  t.diagnostic(`${rows.length} hourly rows over 13 regions checked against the communes' own region codes; ${data.length} readings, ${abroad.length} unmatched, ${invalid.length} invalid; reason: ${String(unmatched[0]?.reason)}`);
});
