import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRegions } from '../nodes/geo/geojson.js';
import { RegionIndex } from '../nodes/geo/region-index.js';
import { uniform } from '../nodes/lib/prng.js';

const POINTS = 1_000_000;
const PASSES = 5;
const TOLERANCE_M = 2000;

/** The shared France data, like the accuracy test: `$SLUICE_SHARED_DATA[/france]` or `../shared/data/france`. */
function franceFile(): string | undefined {
  const env = process.env.SLUICE_SHARED_DATA;
  const repo = resolve(fileURLToPath(import.meta.url), '../../..');
  const dirs = env ? [join(env, 'france'), env] : [resolve(repo, '../shared/data/france')];
  for (const dir of dirs) {
    for (const name of ['regions-version-simplifiee.geojson', 'regions-avec-outre-mer.geojson']) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/**
 * Lookups per second against the French regions, on points scattered up to ±0.1° around the sample
 * communes (so borders, coasts and sea points with their nearest-edge search all count), best of passes.
 */
export async function regionLookups(): Promise<number | undefined> {
  const file = franceFile();
  if (!file) {
    process.stderr.write('region.lookups_per_s skipped: no France regions GeoJSON in ../shared/data/france (or $SLUICE_SHARED_DATA)\n');
    return undefined;
  }
  const index = new RegionIndex(parseRegions(readFileSync(file, 'utf8'), file));
  const communes = readFileSync(join(file, '../communes-sample.csv'), 'utf8').trim().split('\n').slice(1)
    .map((line) => line.split(',')).filter((c) => Number(c[4]) >= 10).map((c) => [Number(c[3]), Number(c[2])] as const);
  const xy = new Float64Array(POINTS * 2);
  for (let i = 0; i < POINTS; i++) {
    const [lon, lat] = communes[i % communes.length]!;
    xy[2 * i] = lon + (uniform(7, i, 1) - 0.5) * 0.2;
    xy[2 * i + 1] = lat + (uniform(7, i, 2) - 0.5) * 0.2;
  }
  let best = 0, matched = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const started = process.hrtime.bigint();
    matched = 0;
    for (let i = 0; i < POINTS; i++) if (index.lookup(xy[2 * i]!, xy[2 * i + 1]!, TOLERANCE_M) >= 0) matched++;
    best = Math.max(best, POINTS / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  if (matched === 0) throw new Error('no point matched a region: the benchmark measures nothing');
  return best;
}
