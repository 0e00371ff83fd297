import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DataRecord, NodeInstance, NodeStatus, Outputs } from '../server/core/types.js';
import { METRES_PER_DEGREE } from '../nodes/geo/distance.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { tempDir } from './helpers/temp-dir.js';

type Ring = [number, number][];
const square = (x0: number, y0: number, x1: number, y1: number): Ring => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const feature = (properties: object, geometry: object) => ({ type: 'Feature', properties, geometry });

/**
 * A: the unit square with a square hole; C: an island inside A's hole; B: a MultiPolygon made of
 * the square east of A (sharing A's east edge) and a distant square.
 */
const zones = {
  type: 'FeatureCollection',
  features: [
    feature({ name: 'A', id: 1 }, { type: 'Polygon', coordinates: [square(0, 0, 1, 1), square(0.25, 0.25, 0.75, 0.75)] }),
    feature({ name: 'B', id: 2 }, { type: 'MultiPolygon', coordinates: [[square(1, 0, 2, 1)], [square(5, 5, 6, 6)]] }),
    feature({ name: 'C', id: 3 }, { type: 'Polygon', coordinates: [square(0.4, 0.4, 0.6, 0.6)] }),
  ],
};

function geojsonFile(t: Parameters<typeof tempDir>[0], doc: unknown): string {
  const path = join(tempDir(t), 'zones.geojson');
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

async function started(raw: object, ctxOverrides: Parameters<typeof nodeContext>[0] = {}): Promise<{ node: NodeInstance; statuses: NodeStatus[] }> {
  const statuses: NodeStatus[] = [];
  const node = await createNode('region-lookup', raw, nodeContext({ nodeId: 'where', status: (s) => statuses.push(s), ...ctxOverrides }));
  await node.start!();
  return { node, statuses };
}

async function lookup(node: NodeInstance, batch: DataRecord[]): Promise<Outputs> {
  return node.process!(batch, { offset: 1, ts: 0 }) as Outputs;
}

const at = (lon: number, lat: number): DataRecord => Object.freeze({ sensor: 's', lat, lon });
/** The zone name each point gets (null when unmatched). */
async function namesOf(node: NodeInstance, points: [number, number][]): Promise<(string | null)[]> {
  const names: (string | null)[] = [];
  for (const [lon, lat] of points) {
    const result = await lookup(node, [at(lon, lat)]);
    names.push(result.out?.length ? (result.out[0]!.zone as string) : null);
  }
  return names;
}

const zoneProps = { name: 'zone', id: 'zone_id' };

test('points get the feature they lie in: holes, islands in holes, every part of a MultiPolygon', async (t) => {
  const { node, statuses } = await started({ source: geojsonFile(t, zones), properties: zoneProps, toleranceM: 0 });
  assert.deepEqual(statuses.at(-1), { state: 'running', text: '3 regions (file)' });
  assert.deepEqual(await namesOf(node, [[0.1, 0.1], [0.9, 0.5], [0.3, 0.5], [0.5, 0.5], [1.5, 0.5], [5.5, 5.5], [3, 3], [-1, 0.5]]),
    ['A', 'A', null, 'C', 'B', 'B', null, null]);
});

test('points on edges: a shared border goes to the eastern region, outer edges match with no tolerance', async (t) => {
  const { node } = await started({ source: geojsonFile(t, zones), properties: zoneProps, toleranceM: 0 });
  assert.deepEqual(await namesOf(node, [[1, 0.5], [0, 0.5], [2, 0.5], [0.5, 1], [0.5, 0], [6, 6], [0.25, 0.5]]),
    ['B', 'A', 'B', 'A', 'A', 'B', 'A']);
});

test('tolerance: a point just outside is assigned to the nearest region, one just beyond is unmatched', async (t) => {
  const source = geojsonFile(t, zones);
  // 0.01° west of A at latitude 0.5: the distance to A's west edge in metres.
  const d = 0.01 * Math.cos((0.5 * Math.PI) / 180) * METRES_PER_DEGREE;
  const inside = await started({ source, properties: zoneProps, toleranceM: d + 0.5, distanceField: 'metres' });
  const near = await lookup(inside.node, [at(-0.01, 0.5)]);
  assert.deepEqual(near.out, [{ sensor: 's', lat: 0.5, lon: -0.01, zone: 'A', zone_id: 1, metres: Math.round(d * 10) / 10 }]);
  assert.equal(Math.round(d), 1112);

  const outside = await started({ source, properties: zoneProps, toleranceM: d - 0.5 });
  const far = await lookup(outside.node, [at(-0.01, 0.5)]);
  assert.deepEqual(far.out, []);
  assert.deepEqual(far.unmatched, [{ record: at(-0.01, 0.5), reason: `no region within ${d - 0.5} m of lat 0.5, lon -0.01`, node: 'where' }]);

  // Inside A's hole, 0.05° from its edge and 0.1° from island C: tolerance reaches the hole's edge first.
  const hole = await started({ source, properties: zoneProps, toleranceM: 6000 });
  assert.deepEqual(await namesOf(hole.node, [[0.3, 0.5]]), ['A']);
});

test('records without usable coordinates go to unmatched with the reason, untouched', async (t) => {
  const { node } = await started({ source: geojsonFile(t, zones), properties: zoneProps, lat: 'pos.lat', lon: 'pos.lon' });
  const records = [
    { pos: { lat: Number.NaN, lon: 0.5 } },
    { pos: { lat: '0.5', lon: 0.5 } },
    { pos: { lat: 95, lon: 200 } },
    { pos: { lon: 0.5 } },
    { pos: { lat: null, lon: Infinity } },
    { sensor: 'no position' },
    { pos: { lat: 0.5, lon: 0.5 } },
  ].map((r) => Object.freeze(r));
  const result = await lookup(node, records);
  assert.deepEqual(result.unmatched!.map((u) => u.reason), [
    'pos.lat: expected a finite number, got NaN',
    'pos.lat: expected a number, got "0.5"',
    'pos.lat: 95 is outside [-90, 90]; pos.lon: 200 is outside [-180, 180]',
    'pos.lat: missing',
    'pos.lat: null; pos.lon: expected a finite number, got Infinity',
    'pos.lat: missing; pos.lon: missing',
  ]);
  assert.ok(result.unmatched!.every((u, i) => u.record === records[i] && u.node === 'where'));
  assert.deepEqual(result.out, [{ pos: { lat: 0.5, lon: 0.5 }, zone: 'C', zone_id: 3 }]);
});

test('properties are copied under the configured names; a feature without one fails the start naming it', async (t) => {
  const { node } = await started({ source: geojsonFile(t, zones), properties: { id: 'region_id' } });
  assert.deepEqual((await lookup(node, [at(1.5, 0.5)])).out, [{ sensor: 's', lat: 0.5, lon: 1.5, region_id: 2 }]);

  const broken = structuredClone(zones);
  broken.features[2]!.properties = { name: 'C' } as never;
  const node2 = await createNode('region-lookup', { source: geojsonFile(t, broken), properties: zoneProps });
  await assert.rejects(async () => node2.start!(), { message: /feature 2 has no property "id" \(it has: name\)/ });
});

test('invalid GeoJSON is refused with the feature, polygon and ring at fault', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'Feature' }, /expected a GeoJSON FeatureCollection/],
    [{ ...zones, features: [zones.features[0], feature({}, { type: 'Point', coordinates: [0, 0] })] }, /feature 1: geometry type "Point" is not Polygon or MultiPolygon/],
    [{ ...zones, features: [feature({}, { type: 'MultiPolygon', coordinates: [[square(0, 0, 1, 1)], [square(2, 2, 3, 3), [[2.1, 2.1], [2.2, 2.1], [2.2, 2.2], [2.1, 2.2]]]] })] },
      /feature 0, polygon 1, ring 1: the ring is not closed/],
    [{ ...zones, features: [feature({}, { type: 'Polygon', coordinates: [[[0, 0], [1, 95], [1, 1], [0, 0]]] })] }, /feature 0, ring 0, position 1: latitude 95 is not a number in \[-90, 90\]/],
    [{ ...zones, features: [feature({}, { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] })] }, /feature 0, ring 0: a ring needs at least 4 positions, got 3/],
  ];
  for (const [doc, message] of cases) {
    const node = await createNode('region-lookup', { source: geojsonFile(t, doc), properties: { name: 'zone' } });
    await assert.rejects(async () => node.start!(), { message }, String(message));
  }
});

test('a batch that arrives before start() has loaded the regions waits for them', async (t) => {
  const node = await createNode('region-lookup', { source: geojsonFile(t, zones), properties: zoneProps });
  const pending = node.process!([at(0.1, 0.1)], { offset: 1, ts: 0 }) as Promise<Outputs>;
  await node.start!();
  assert.deepEqual((await pending).out, [{ sensor: 's', lat: 0.1, lon: 0.1, zone: 'A', zone_id: 1 }]);
});

/** A GeoJSON server with an ETag that logs the conditional header of each request. */
async function geojsonServer(t: Parameters<typeof tempDir>[0]) {
  const state = { body: JSON.stringify(zones), etag: '"v1"', down: false, requests: [] as (string | undefined)[] };
  const server = createServer((req: IncomingMessage, res) => {
    state.requests.push(req.headers['if-none-match']);
    if (state.down) {
      res.writeHead(503).end('maintenance');
      return;
    }
    if (req.headers['if-none-match'] === state.etag) {
      res.writeHead(304, { etag: state.etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/geo+json', etag: state.etag }).end(state.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zones.geojson`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  t.after(() => (server.listening ? close() : undefined));
  return { url, state, close };
}

test('URL mode: downloaded once, revalidated with If-None-Match, and used offline from the cache', async (t) => {
  const { url, state, close } = await geojsonServer(t);
  const dataDir = tempDir(t);
  const warnings: string[] = [];
  const log = { info: () => undefined, error: () => undefined, warn: (msg: string, fields?: object) => warnings.push(`${msg} ${JSON.stringify(fields)}`) };
  const raw = { source: url, properties: zoneProps };

  const first = await started(raw, { dataDir });
  assert.equal(first.statuses.at(-1)!.text, '3 regions (downloaded)');
  const second = await started(raw, { dataDir });
  assert.equal(second.statuses.at(-1)!.text, '3 regions (not-modified)');
  assert.deepEqual(state.requests, [undefined, '"v1"']);
  assert.deepEqual(await namesOf(second.node, [[0.5, 0.5]]), ['C']);

  // A new version on the server replaces the cached copy.
  const renamed = structuredClone(zones);
  renamed.features[2]!.properties = { name: 'C2', id: 3 };
  state.body = JSON.stringify(renamed);
  state.etag = '"v2"';
  const third = await started(raw, { dataDir });
  assert.equal(third.statuses.at(-1)!.text, '3 regions (downloaded)');
  assert.deepEqual(state.requests, [undefined, '"v1"', '"v1"']);

  await close();
  const offline = await started(raw, { dataDir, log });
  assert.equal(offline.statuses.at(-1)!.text, '3 regions (cache-offline)');
  assert.deepEqual(await namesOf(offline.node, [[0.5, 0.5]]), ['C2']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /regions not revalidated; using the cached copy .*ECONNREFUSED/);

  const nothing = await createNode('region-lookup', raw, nodeContext({ dataDir: tempDir(t) }));
  await assert.rejects(async () => nothing.start!(), { message: new RegExp(`cannot download the regions from ${url} \\(fetch failed: ECONNREFUSED\\) and there is no cached copy yet`) });
});

test('URL mode: an error answer falls back to the cache, and a broken download never replaces it', async (t) => {
  const { url, state } = await geojsonServer(t);
  const dataDir = tempDir(t);
  const raw = { source: url, properties: zoneProps };
  await started(raw, { dataDir });
  state.down = true;
  const during = await started(raw, { dataDir });
  assert.equal(during.statuses.at(-1)!.text, '3 regions (cache-offline)');
  state.down = false;
  state.etag = '"v2"';
  state.body = '{"type": "FeatureCollection", "features": [';
  const broken = await createNode('region-lookup', raw, nodeContext({ dataDir }));
  await assert.rejects(async () => broken.start!(), { message: new RegExp(`${url}: not JSON`) });
  state.etag = '"v1"';
  const again = await started(raw, { dataDir });
  assert.equal(again.statuses.at(-1)!.text, '3 regions (not-modified)');
});
