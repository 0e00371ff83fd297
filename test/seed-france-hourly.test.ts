import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { franceDataDir } from './helpers/shared-data.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 5, 1);
const HOURS = 8;
const OVERSEAS = new Set(['01', '02', '03', '04', '06']);

interface Commune { insee: string; lat: number; lon: number; regionCode: string }

function communes(dir: string): Commune[] {
  const [, ...lines] = readFileSync(join(dir, 'communes-sample.csv'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [insee, , lat, lon, regionCode] = line.split(',');
    return { insee: insee!, lat: Number(lat), lon: Number(lon), regionCode: regionCode! };
  });
}

/** A sensor in every fifth metropolitan commune, one reading every 15 minutes for 8 hours, in time order. */
function readings(sample: Commune[]): { ts: number; sensor: string; lat: number; lon: number; value: number; regionCode: string }[] {
  const sensors = sample.filter((c, i) => i % 5 === 0 && !OVERSEAS.has(c.regionCode));
  const out = [];
  for (let q = 0; q < HOURS * 4; q++) {
    for (const [i, c] of sensors.entries()) {
      out.push({ ts: START + q * 15 * 60_000, sensor: c.insee, lat: c.lat, lon: c.lon, value: 10 + (i % 7) + q * 0.25 + (Number(c.regionCode) % 5), regionCode: c.regionCode });
    }
  }
  return out;
}

/** The hourly mean per region and the same region's mean 3 hours earlier, from the communes' own region codes. */
function expectedRows(data: ReturnType<typeof readings>): object[] {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const r of data) {
    const key = `${r.regionCode}|${Math.floor((r.ts - START) / HOUR)}`;
    const s = sums.get(key) ?? { sum: 0, count: 0 };
    s.sum += r.value;
    s.count++;
    sums.set(key, s);
  }
  const mean = (code: string, h: number) => { const s = sums.get(`${code}|${h}`); return s ? s.sum / s.count : null; };
  const rows = [...sums].map(([key, s]) => {
    const [code, h] = [key.split('|')[0]!, Number(key.split('|')[1])];
    const prev = mean(code, h - 3);
    return { window_start: START + h * HOUR, window_end: START + (h + 1) * HOUR, region_code: code, value_count: s.count, value_mean: s.sum / s.count, value_mean_prev3: prev, value_mean_diff3: prev === null ? null : s.sum / s.count - prev };
  });
  return rows.sort((a, b) => a.window_start - b.window_start || a.region_code.localeCompare(b.region_code));
}

test('seed use case: readings across France → region lookup → hourly mean per region with the value 3 hours earlier', { timeout: 120_000 }, async (t) => {
  const dir = franceDataDir();
  if (!existsSync(join(dir, 'regions-avec-outre-mer.geojson'))) {
    t.skip(`the France reference data is not at ${dir} (set SLUICE_SHARED_DATA): this flow test needs it`);
    return;
  }
  const data = readings(communes(dir));
  const file = join(tempDir(t), 'readings.ndjson');
  writeFileSync(file, data.map(({ regionCode: _, ...r }) => JSON.stringify(r)).join('\n'));
  const expected = expectedRows(data);

  const { runtime } = await openApp(t);
  received.delete('rows');
  await runtime.deploy('france-hourly', {
    sluice: 1, id: 'france-hourly',
    nodes: [
      { id: 'readings', type: 'test-file-feed', config: { file, batchSize: 250 } },
      { id: 'region', type: 'region-lookup', config: { source: join(dir, 'regions-avec-outre-mer.geojson'), properties: { code: 'region_code', nom: 'region' }, toleranceM: 2000 } },
      { id: 'hourly', type: 'rollup', config: {
        window: '1h', keyBy: ['region_code'], idleTimeout: '1s',
        aggregates: [{ field: 'value', aggregates: ['count', 'mean'] }],
        compare: [{ windowsAgo: 3, columns: ['value_mean'] }],
      } },
      { id: 'rows', type: 'test-sink' },
    ],
    wires: [{ from: 'readings', to: 'region' }, { from: 'region', to: 'hourly' }, { from: 'hourly', to: 'rows' }],
    settings: { tickMs: 200 },
  });
  await waitFor(`${expected.length} hourly rows`, () => (received.get('rows')?.length ?? 0) >= expected.length, 60_000);
  const rows = received.get('rows')!.map((r) => ({
    window_start: r.window_start, window_end: r.window_end, region_code: r.region_code, value_count: r.value_count,
    value_mean: r.value_mean, value_mean_prev3: r.value_mean_prev3, value_mean_diff3: r.value_mean_diff3,
  })).sort((a, b) => (a.window_start as number) - (b.window_start as number) || String(a.region_code).localeCompare(String(b.region_code)));
  assert.equal(rows.length, expected.length, 'one row per region and hour');
  assert.equal(new Set(rows.map((r) => r.region_code)).size, 13, 'all 13 metropolitan regions');
  const close = (a: unknown, b: unknown) => (a === null || b === null ? a === b : Math.abs((a as number) - (b as number)) < 1e-9);
  for (const [i, want] of expected.entries()) {
    const got = rows[i]! as { [k: string]: unknown };
    for (const [k, v] of Object.entries(want)) assert.ok(close(got[k], v) || got[k] === v, `row ${i} (${JSON.stringify(want)}): ${k} is ${String(got[k])}, expected ${String(v)}`);
  }
  assert.equal(runtime.status('france-hourly')!.nodes.region!.out.unmatched ?? 0, 0, 'every commune is in a region');
});
