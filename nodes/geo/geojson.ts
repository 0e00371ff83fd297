import { parseJsonText, PROTOTYPE_KEYS } from '../../server/core/json-text.js';

/**
 * A polygon ready for geometry: every ring as a flat, closed `[lon0, lat0, lon1, lat1, …]` array
 * (the first ring is the outer boundary, the others are holes), its bounding box, and the index of
 * the feature it belongs to.
 */
export interface PolygonRings {
  feature: number;
  rings: Float64Array[];
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface RegionSet {
  /** Properties of each feature, in file order. */
  properties: { [key: string]: unknown }[];
  /** Every polygon of every feature (a MultiPolygon contributes several). */
  polygons: PolygonRings[];
}

/** A GeoJSON document that is not a FeatureCollection of (Multi)Polygons; the message says where. */
export class GeoJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeoJsonError';
  }
}

type Json = unknown;

const isObject = (v: Json): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses and validates a FeatureCollection whose features are Polygons or MultiPolygons. */
export function parseRegions(text: string, origin: string): RegionSet {
  const parsed = parseJsonText(text, { forbiddenKeys: PROTOTYPE_KEYS });
  if (!parsed.ok) throw new GeoJsonError(`${origin}: ${parsed.fault.offset === undefined ? parsed.fault.message : `not JSON (${parsed.fault.message.replace(/^not valid JSON: /, '')})`}`);
  return regionsOf(parsed.value, origin);
}

export function regionsOf(doc: Json, origin: string): RegionSet {
  if (!isObject(doc) || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new GeoJsonError(`${origin}: expected a GeoJSON FeatureCollection with a "features" array`);
  }
  if (doc.features.length === 0) throw new GeoJsonError(`${origin}: the FeatureCollection has no features`);
  const set: RegionSet = { properties: [], polygons: [] };
  doc.features.forEach((feature: Json, f: number) => {
    const where = `${origin}: feature ${f}`;
    if (!isObject(feature) || feature.type !== 'Feature') throw new GeoJsonError(`${where}: expected an object with "type": "Feature"`);
    const geometry = feature.geometry;
    if (!isObject(geometry)) throw new GeoJsonError(`${where}: has no geometry`);
    set.properties.push(isObject(feature.properties) ? feature.properties : {});
    if (geometry.type === 'Polygon') {
      set.polygons.push(polygonOf(geometry.coordinates, f, where));
    } else if (geometry.type === 'MultiPolygon') {
      if (!Array.isArray(geometry.coordinates) || geometry.coordinates.length === 0) {
        throw new GeoJsonError(`${where}: MultiPolygon coordinates must be a non-empty array of polygons`);
      }
      geometry.coordinates.forEach((p: Json, i: number) => set.polygons.push(polygonOf(p, f, `${where}, polygon ${i}`)));
    } else {
      throw new GeoJsonError(`${where}: geometry type ${JSON.stringify(geometry.type)} is not Polygon or MultiPolygon`);
    }
  });
  return set;
}

function polygonOf(coordinates: Json, feature: number, where: string): PolygonRings {
  if (!Array.isArray(coordinates) || coordinates.length === 0) {
    throw new GeoJsonError(`${where}: polygon coordinates must be a non-empty array of rings`);
  }
  const rings = coordinates.map((ring: Json, r: number) => ringOf(ring, `${where}, ring ${r}`));
  const outer = rings[0]!;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < outer.length; i += 2) {
    const x = outer[i]!, y = outer[i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { feature, rings, minX, minY, maxX, maxY };
}

function ringOf(ring: Json, where: string): Float64Array {
  if (!Array.isArray(ring) || ring.length < 4) {
    throw new GeoJsonError(`${where}: a ring needs at least 4 positions, got ${Array.isArray(ring) ? ring.length : JSON.stringify(ring)}`);
  }
  const flat = new Float64Array(ring.length * 2);
  ring.forEach((position: Json, p: number) => {
    if (!Array.isArray(position) || position.length < 2) throw new GeoJsonError(`${where}, position ${p}: expected [longitude, latitude]`);
    const [lon, lat] = position as Json[];
    if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) {
      throw new GeoJsonError(`${where}, position ${p}: longitude ${JSON.stringify(lon)} is not a number in [-180, 180]`);
    }
    if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) {
      throw new GeoJsonError(`${where}, position ${p}: latitude ${JSON.stringify(lat)} is not a number in [-90, 90]`);
    }
    flat[p * 2] = lon;
    flat[p * 2 + 1] = lat;
  });
  const n = flat.length;
  if (flat[0] !== flat[n - 2] || flat[1] !== flat[n - 1]) {
    throw new GeoJsonError(`${where}: the ring is not closed (its first and last positions differ)`);
  }
  return flat;
}
