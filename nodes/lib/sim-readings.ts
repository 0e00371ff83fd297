import type { DataRecord } from '../../server/core/types.js';
import { gaussian, hash32, uniform } from './prng.js';

export interface ValueModel {
  base: number;
  amplitude: number;
  periodS: number;
  noise: number;
  drift: number;
}

export interface GpsArea {
  lat: number;
  lon: number;
  radiusM: number;
}

export interface ReadingSpec {
  seed: number;
  sensors: number;
  sensorPrefix: string;
  value: ValueModel;
  quantity: string;
  unit: string;
  gps?: GpsArea;
  malformedRatio: number;
}

// Distinct salts keep the random streams (noise, phase, position, malformation) independent.
const SALT_NOISE = 0x10;
const SALT_PHASE = 0x20;
const SALT_RADIUS = 0x30;
const SALT_BEARING = 0x40;
const SALT_BAD = 0x50;
const SALT_BAD_KIND = 0x60;

const EARTH_RADIUS_M = 6_371_008.8;
const MS_PER_HOUR = 3_600_000;
const MALFORMED_KINDS = 5;

/**
 * Builds reading `seq` as a pure function of the spec, `seq`, its timestamp and the node's origin
 * time (the drift reference), so a restarted simulator reproduces exactly what it would have made.
 */
export class ReadingFactory {
  private readonly ids: string[] = [];
  private readonly phases: Float64Array;
  private readonly lats: Float64Array | undefined;
  private readonly lons: Float64Array | undefined;

  constructor(private readonly spec: ReadingSpec, private readonly originTs: number) {
    this.phases = new Float64Array(spec.sensors);
    for (let i = 0; i < spec.sensors; i++) {
      this.ids.push(`${spec.sensorPrefix}${i}`);
      this.phases[i] = 2 * Math.PI * uniform(spec.seed, i, SALT_PHASE);
    }
    if (spec.gps) {
      this.lats = new Float64Array(spec.sensors);
      this.lons = new Float64Array(spec.sensors);
      for (let i = 0; i < spec.sensors; i++) {
        const p = sensorPosition(spec.seed, i, spec.gps);
        this.lats[i] = p.lat;
        this.lons[i] = p.lon;
      }
    }
  }

  value(seq: number, ts: number): number {
    const m = this.spec.value;
    const sensor = seq % this.spec.sensors;
    let v = m.base + (m.drift * (ts - this.originTs)) / MS_PER_HOUR;
    if (m.amplitude !== 0 && m.periodS > 0) v += m.amplitude * Math.sin((2 * Math.PI * ts) / (m.periodS * 1000) + this.phases[sensor]!);
    if (m.noise > 0) v += m.noise * gaussian(this.spec.seed, seq, SALT_NOISE);
    return Math.round(v * 1000) / 1000;
  }

  make(seq: number, ts: number): DataRecord {
    const s = this.spec;
    const sensor = seq % s.sensors;
    const r: { [field: string]: unknown } = { ts, sensor: this.ids[sensor], seq };
    r[s.quantity] = this.value(seq, ts);
    if (s.unit !== '') r.unit = s.unit;
    if (this.lats && this.lons) {
      r.lat = this.lats[sensor];
      r.lon = this.lons[sensor];
    }
    if (s.malformedRatio > 0 && uniform(s.seed, seq, SALT_BAD) < s.malformedRatio) spoil(r, s.quantity, hash32(s.seed, seq, SALT_BAD_KIND));
    return r;
  }

  /** Readings `from .. from+count-1`; `tsOf` gives each one's timestamp. */
  batch(from: number, count: number, tsOf: (seq: number) => number): DataRecord[] {
    const out = new Array<DataRecord>(count);
    for (let i = 0; i < count; i++) out[i] = this.make(from + i, tsOf(from + i));
    return out;
  }
}

/** The kinds of damage real feeds show, so `validate` and error paths can be exercised. */
function spoil(r: { [field: string]: unknown }, quantity: string, h: number): void {
  switch (h % MALFORMED_KINDS) {
    case 0: delete r[quantity]; break;
    case 1: r[quantity] = String(r[quantity]); break;
    case 2: r[quantity] = 'n/a'; break;
    case 3: r[quantity] = null; break;
    default: delete r.ts; break;
  }
}

/**
 * A fixed position for sensor `index`, uniform over the disc of `radiusM` around the centre, computed
 * on the sphere (destination point) so the great-circle distance to the centre never exceeds the radius.
 */
export function sensorPosition(seed: number, index: number, area: GpsArea): { lat: number; lon: number } {
  const distance = area.radiusM * Math.sqrt(uniform(seed, index, SALT_RADIUS));
  const bearing = 2 * Math.PI * uniform(seed, index, SALT_BEARING);
  const delta = distance / EARTH_RADIUS_M;
  const phi1 = (area.lat * Math.PI) / 180;
  const lambda1 = (area.lon * Math.PI) / 180;
  const phi2 = Math.asin(Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(bearing));
  const lambda2 = lambda1 + Math.atan2(
    Math.sin(bearing) * Math.sin(delta) * Math.cos(phi1),
    Math.cos(delta) - Math.sin(phi1) * Math.sin(phi2),
  );
  return { lat: (phi2 * 180) / Math.PI, lon: ((((lambda2 * 180) / Math.PI + 540) % 360) - 180) };
}

/** Great-circle distance in metres (haversine), on the same sphere as `sensorPosition`. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dPhi = (b.lat - a.lat) * rad;
  const dLambda = (b.lon - a.lon) * rad;
  const h = Math.sin(dPhi / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLambda / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
