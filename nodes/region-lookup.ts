import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import { fieldGetter, showValue } from './lib/field-path.js';
import { GeoJsonError, type RegionSet } from './geo/geojson.js';
import { RegionIndex } from './geo/region-index.js';
import { loadRegions } from './geo/region-source.js';

const config = Type.Object({
  source: Type.String({ title: 'Source', minLength: 1, description: 'GeoJSON FeatureCollection of Polygons/MultiPolygons: a file path or an http(s) URL (cached, revalidated with ETag at start).' }),
  lat: Type.String({ title: 'Latitude', default: 'lat', minLength: 1, description: 'Field (dotted path) holding the latitude in degrees.' }),
  lon: Type.String({ title: 'Longitude', default: 'lon', minLength: 1, description: 'Field (dotted path) holding the longitude in degrees.' }),
  properties: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), { title: 'Properties',
    minProperties: 1,
    description: 'Required. Feature property → record field to copy it to, e.g. { "nom": "region", "code": "region_code" }.',
  }),
  toleranceM: Type.Number({ title: 'Tolerance (m)', default: 1000, minimum: 0, description: 'Points outside every polygon but at most this many metres from one are assigned to the nearest.' }),
  distanceField: Type.String({ title: 'Distance field', default: '', description: 'When set, this field receives the distance in metres to the region (0 inside).' }),
  timeoutMs: Type.Integer({ title: 'Timeout (ms)', default: 10_000, minimum: 1, description: 'How long start() waits for the URL before falling back to the cached copy.' }),
}, { additionalProperties: false });

/** Per feature, the fields copied onto matched records. */
type Assignments = [field: string, value: unknown][][];

function assignmentsOf(set: RegionSet, mapping: { [property: string]: string }, source: string): Assignments {
  return set.properties.map((props, f) => Object.entries(mapping).map(([property, field]): [string, unknown] => {
    if (!(property in props)) {
      const known = Object.keys(props).join(', ') || 'none';
      throw new GeoJsonError(`${source}: feature ${f} has no property "${property}" (it has: ${known})`);
    }
    return [field, props[property]];
  }));
}

/** Why a coordinate is unusable, or undefined when it is a finite number within its range. */
function coordinateProblem(name: string, v: unknown, limit: number): string | undefined {
  if (v === undefined) return `${name}: missing`;
  if (v === null) return `${name}: null`;
  if (typeof v !== 'number') return `${name}: expected a number, got ${showValue(v)}`;
  if (!Number.isFinite(v)) return `${name}: expected a finite number, got ${showValue(v)}`;
  if (v < -limit || v > limit) return `${name}: ${v} is outside [-${limit}, ${limit}]`;
  return undefined;
}

export default defineNode({
  type: 'region-lookup',
  category: 'process',
  label: 'region lookup',
  inputs: { in: 'records with a latitude and a longitude' },
  outputs: {
    out: 'records with the region\'s properties added',
    unmatched: 'records without valid coordinates or outside every region: { record, reason, node }',
  },
  config,
  // A lookup is pure: a retry would give the same answer.
  retry: { maxAttempts: 1 },
  docs: `Adds the region a reading lies in, from any GeoJSON FeatureCollection of Polygons and
MultiPolygons (holes supported), e.g. administrative regions.

**Config**
- \`source\`: a file path, or an \`http(s)\` URL. A URL is downloaded at start and cached in the node's
  data directory with its \`ETag\`; each start revalidates with \`If-None-Match\` (a \`304\` keeps the cached
  copy). When the server is unreachable or answers an error, the cached copy is used and a warning is
  logged, so a deploy works offline once the file was fetched. With no cached copy and no network the
  node cannot start and the deploy fails with the reason. A download that is not valid GeoJSON also fails
  the start (the cached copy is kept): the server published something broken, which deserves attention.
- \`properties\`: which feature properties to copy, and under which field names. Every feature must
  have them, otherwise loading fails naming the feature index.
- \`lat\`, \`lon\`: the coordinate fields (dotted paths), in degrees (WGS 84, GeoJSON order is lon, lat).
- \`toleranceM\`: a point outside every polygon (on a coast, or near a simplified border) is assigned to
  the region with the nearest edge when that edge is at most this many metres away. \`0\` still accepts
  points exactly on an outer edge.
- \`distanceField\`: optional field receiving the distance in metres (0 inside a polygon).

The file is validated at start; errors name the feature, polygon and ring, e.g.
\`feature 4, polygon 2, ring 1: the ring is not closed\`.

**Ports**: matched records leave by \`out\` as a copy with the fields added; the others leave by
\`unmatched\` as \`{ record, reason, node }\`, e.g. \`lat: expected a number, got "45.1"\`,
\`lon: 200 is outside [-180, 180]\`, \`no region within 1000 m\`. Nothing is dropped.

**Borders**: a point exactly on a border shared by two regions belongs to exactly one of them, always
the same (the region east of a north-south border, south of an east-west border). Overlapping features
resolve to the first in the file.

**Speed**: a grid of cells fully inside one region answers most points with an array read; points near a
border get an exact even-odd test against the nearby edges only. Millions of lookups per second against the
French regions.

Example: \`{ "source": "https://example.org/regions.geojson", "properties": { "nom": "region", "code": "region_code" }, "toleranceM": 2000 }\``,

  check(cfg): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const seen = new Map<string, string>();
    for (const [property, field] of Object.entries(cfg.properties)) {
      const other = seen.get(field);
      if (other !== undefined) problems.push({ path: `/properties/${property}`, message: `field "${field}" already receives property "${other}"` });
      seen.set(field, property);
      if (field === cfg.distanceField) problems.push({ path: `/properties/${property}`, message: `field "${field}" is also the distanceField` });
    }
    return problems;
  },

  create(cfg, ctx) {
    const getLat = fieldGetter(cfg.lat);
    const getLon = fieldGetter(cfg.lon);
    const tolerance = cfg.toleranceM;
    let index: RegionIndex | undefined;
    let assignments: Assignments = [];
    // The executor may replay journaled batches before start() has loaded the regions.
    let loaded!: { resolve: () => void; reject: (err: Error) => void };
    const ready = new Promise<void>((resolve, reject) => { loaded = { resolve, reject }; });
    ready.catch(() => undefined); // the failure is reported by start(); process() awaits it again

    function match(r: DataRecord, idx: RegionIndex): DataRecord | string {
      const lat = getLat(r), lon = getLon(r);
      if (typeof lat !== 'number' || typeof lon !== 'number' || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
        return [coordinateProblem(cfg.lat, lat, 90), coordinateProblem(cfg.lon, lon, 180)].filter(Boolean).join('; ');
      }
      const f = idx.lookup(lon, lat, tolerance);
      if (f < 0) return `no region within ${tolerance} m of ${cfg.lat} ${lat}, ${cfg.lon} ${lon}`;
      const copy: { [field: string]: unknown } = { ...r };
      for (const [field, value] of assignments[f]!) copy[field] = value;
      if (cfg.distanceField) copy[cfg.distanceField] = Math.round(idx.distanceM * 10) / 10;
      return copy;
    }

    function run(batch: readonly DataRecord[], idx: RegionIndex): Outputs {
      const out: DataRecord[] = [];
      const unmatched: DataRecord[] = [];
      for (const r of batch) {
        const result = match(r, idx);
        if (typeof result === 'string') unmatched.push({ record: r, reason: result, node: ctx.nodeId });
        else out.push(result);
      }
      return { out, unmatched };
    }

    return {
      async start() {
        try {
          const { set, origin } = await loadRegions(cfg.source, {
            cacheDir: () => ctx.dataDir, timeoutMs: cfg.timeoutMs, signal: ctx.signal, log: ctx.log,
          });
          assignments = assignmentsOf(set, cfg.properties, cfg.source);
          index = new RegionIndex(set);
          ctx.status({ state: 'running', text: `${set.properties.length} regions (${origin})` });
          loaded.resolve();
        } catch (err) {
          loaded.reject(err as Error);
          throw err;
        }
      },
      process(batch): Outputs | Promise<Outputs> {
        if (index) return run(batch, index);
        return ready.then(() => run(batch, index!));
      },
    };
  },
});
