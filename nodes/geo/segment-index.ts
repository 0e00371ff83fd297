import Flatbush from 'flatbush';
import { degreesAround, segmentDistanceM } from './distance.js';
import type { PolygonRings } from './geojson.js';

/**
 * Every ring edge of every polygon in one flatbush, so both exact questions touch only the edges
 * near the point: which polygons contain it (crossings of a ray towards the east) and which
 * polygon edge is nearest within a tolerance.
 */
export class SegmentIndex {
  private readonly coords: Float64Array;
  private readonly owner: Int32Array;
  private readonly tree: Flatbush;
  /** Per polygon: crossings seen by the current ray, mod 2; reset after each query. */
  private readonly parity: Uint8Array;

  constructor(private readonly polygons: readonly PolygonRings[]) {
    let count = 0;
    for (const p of polygons) for (const ring of p.rings) count += ring.length / 2 - 1;
    this.coords = new Float64Array(count * 4);
    this.owner = new Int32Array(count);
    this.parity = new Uint8Array(polygons.length);
    this.tree = new Flatbush(Math.max(1, count));
    let s = 0;
    polygons.forEach((p, k) => {
      for (const ring of p.rings) {
        for (let i = 0; i + 3 < ring.length; i += 2, s++) {
          const x0 = ring[i]!, y0 = ring[i + 1]!, x1 = ring[i + 2]!, y1 = ring[i + 3]!;
          this.coords.set([x0, y0, x1, y1], s * 4);
          this.owner[s] = k;
          this.tree.add(Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1));
        }
      }
    });
    if (count === 0) this.tree.add(0, 0, 0, 0);
    this.tree.finish();
  }

  /**
   * The lowest feature index with a polygon containing (x, y), or -1. Even-odd over all rings
   * (holes need no special case), with half-open edges: a point on an edge shared by two polygons
   * is inside exactly one of them (east of a north-south edge, south of an east-west edge).
   */
  containing(x: number, y: number): number {
    const c = this.coords;
    const hits = this.tree.search(x, y, Infinity, y);
    const touched: number[] = [];
    for (const s of hits) {
      const o = s * 4;
      const x0 = c[o]!, y0 = c[o + 1]!, x1 = c[o + 2]!, y1 = c[o + 3]!;
      if ((y0 > y) !== (y1 > y) && x < x0 + ((y - y0) * (x1 - x0)) / (y1 - y0)) {
        const k = this.owner[s]!;
        if (this.parity[k] === 0) touched.push(k);
        this.parity[k]! ^= 1;
      }
    }
    let found = -1;
    for (const k of touched) {
      const feature = this.polygons[k]!.feature;
      if (this.parity[k] === 1 && (found === -1 || feature < found)) found = feature;
      this.parity[k] = 0;
    }
    return found;
  }

  /** The feature with the edge nearest to (x, y) within `toleranceM` metres (ties: lowest index), or -1. */
  nearest(x: number, y: number, toleranceM: number): { feature: number; distanceM: number } {
    const { dx, dy } = degreesAround(y, toleranceM);
    const c = this.coords;
    let feature = -1, distanceM = Infinity;
    for (const s of this.tree.search(x - dx, y - dy, x + dx, y + dy)) {
      const o = s * 4;
      const d = segmentDistanceM(x, y, c[o]!, c[o + 1]!, c[o + 2]!, c[o + 3]!);
      const f = this.polygons[this.owner[s]!]!.feature;
      if (d < distanceM || (d === distanceM && f < feature)) {
        feature = f;
        distanceM = d;
      }
    }
    return { feature, distanceM };
  }
}
