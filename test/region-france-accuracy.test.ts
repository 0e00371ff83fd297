import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { DataRecord, NodeInstance, Outputs } from '../server/core/types.js';
import { createNode } from './helpers/node-context.js';
import { franceDataDir } from './helpers/shared-data.js';

interface Commune { insee: string; name: string; lat: number; lon: number; region_code: string }

function communes(dir: string): Commune[] {
  const [header, ...lines] = readFileSync(`${dir}/communes-sample.csv`, 'utf8').trim().split('\n');
  assert.equal(header, 'insee,name,lat,lon,region_code,region_name');
  return lines.map((line) => {
    const [insee, name, lat, lon, region_code] = line.split(',');
    return { insee: insee!, name: name!, lat: Number(lat), lon: Number(lon), region_code: region_code! };
  });
}

/** Overseas regions have codes 01–06; the simplified file holds only the 13 metropolitan ones. */
const metropolitan = (c: Commune) => Number(c.region_code) >= 10;

async function regionsOf(file: string, sample: Commune[]): Promise<Outputs> {
  const node: NodeInstance = await createNode('region-lookup', { source: file, properties: { code: 'region_code', nom: 'region' }, toleranceM: 2000 });
  await node.start!();
  const records: DataRecord[] = sample.map((c) => ({ insee: c.insee, lat: c.lat, lon: c.lon }));
  return node.process!(records, { offset: 1, ts: 0 }) as Outputs;
}

const dir = franceDataDir();
const skip = existsSync(dir) ? false : `no shared France data at ${dir} (set SLUICE_SHARED_DATA to the folder holding france/)`;

test('every one of the 600 sample communes, overseas included, is in its INSEE region (full file, 2 km tolerance)', { skip }, async () => {
  const sample = communes(dir);
  assert.equal(sample.length, 600);
  const result = await regionsOf(`${dir}/regions-avec-outre-mer.geojson`, sample);
  assert.deepEqual(result.unmatched, []);
  const wrong = sample.filter((c, i) => result.out![i]!.region_code !== c.region_code).map((c) => `${c.name} (${c.insee})`);
  assert.deepEqual(wrong, []);
});

test('at least 99.5% of the metropolitan sample communes are in their region with the simplified file', { skip }, async () => {
  const sample = communes(dir).filter(metropolitan);
  assert.equal(sample.length, 585);
  const result = await regionsOf(`${dir}/regions-version-simplifiee.geojson`, sample);
  const byInsee = new Map(result.out!.map((r) => [r.insee, r.region_code]));
  const right = sample.filter((c) => byInsee.get(c.insee) === c.region_code).length;
  assert.ok(right / sample.length >= 0.995, `${right} of ${sample.length} communes in their region`);
});
