import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { assertRows, communes, expectedRows, readings, sortRows } from './helpers/france-readings.js';
import { franceDataDir } from './helpers/shared-data.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

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
  const rows = sortRows(received.get('rows')!.map((r) => ({
    window_start: r.window_start as number, window_end: r.window_end, region_code: String(r.region_code), value_count: r.value_count,
    value_mean: r.value_mean, value_mean_prev3: r.value_mean_prev3, value_mean_diff3: r.value_mean_diff3,
  })));
  assert.equal(new Set(rows.map((r) => r.region_code)).size, 13, 'all 13 metropolitan regions');
  assertRows(rows, expected, assert.fail);
  assert.equal(runtime.status('france-hourly')!.nodes.region!.out.unmatched ?? 0, 0, 'every commune is in a region');
});
