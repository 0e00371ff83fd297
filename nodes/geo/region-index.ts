import Flatbush from 'flatbush';
import type { RegionSet } from './geojson.js';
import { overlappingGroups } from './polygon-groups.js';
import { MIXED, NO_REGION, RegionGrid } from './region-grid.js';
import { SegmentIndex } from './segment-index.js';

/** Rounding on the projected distance must not turn a point on a boundary into "outside". */
const DISTANCE_SLACK_M = 1e-6;
/** Cells per group grid at most (4 MB each). */
const MAX_CELLS_PER_GRID = 1 << 20;
/** Beyond this many groups, the group holding a point is found through flatbush instead of a scan. */
const LINEAR_GROUPS = 64;

/**
 * Which feature of a region set holds a point. A grid per group of overlapping polygons answers
 * most points with one array read; points in cells a boundary crosses get the exact test on the
 * nearby edges; points outside every polygon go to the nearest edge within a tolerance.
 */
export class RegionIndex {
  private readonly segments: SegmentIndex;
  private readonly grids: RegionGrid[];
  private readonly gridBoxes: Flatbush | undefined;
  /** Metres from the point of the last successful `lookup` to its region (0 inside). */
  distanceM = 0;

  constructor(set: RegionSet) {
    this.segments = new SegmentIndex(set.polygons);
    this.grids = overlappingGroups(set.polygons).map((group) => new RegionGrid(group, MAX_CELLS_PER_GRID));
    if (this.grids.length > LINEAR_GROUPS) {
      this.gridBoxes = new Flatbush(this.grids.length);
      for (const g of this.grids) this.gridBoxes.add(g.minX, g.minY, g.maxX, g.maxY);
      this.gridBoxes.finish();
    }
  }

  /** The feature index holding (lon, lat), or within `toleranceM` metres of it; -1 when there is none. */
  lookup(lon: number, lat: number, toleranceM: number): number {
    let feature = this.gridCell(lon, lat);
    if (feature === MIXED) feature = this.segments.containing(lon, lat);
    if (feature >= 0) {
      this.distanceM = 0;
      return feature;
    }
    if (!(toleranceM >= 0)) return NO_REGION;
    const near = this.segments.nearest(lon, lat, toleranceM);
    if (near.feature < 0 || near.distanceM > toleranceM + DISTANCE_SLACK_M) return NO_REGION;
    this.distanceM = near.distanceM;
    return near.feature;
  }

  /**
   * What the grids say about a point. Polygons of different groups never share a box, so at most one
   * group can have the point inside; other groups whose combined box covers it say `NO_REGION` or `MIXED`.
   */
  private gridCell(x: number, y: number): number {
    let found = NO_REGION;
    if (this.gridBoxes) {
      for (const k of this.gridBoxes.search(x, y, x, y)) {
        const c = this.grids[k]!.at(x, y);
        if (c >= 0) return c;
        if (c === MIXED) found = MIXED;
      }
      return found;
    }
    for (let k = 0; k < this.grids.length; k++) {
      const g = this.grids[k]!;
      if (x < g.minX || x > g.maxX || y < g.minY || y > g.maxY) continue;
      const c = g.at(x, y);
      if (c >= 0) return c;
      if (c === MIXED) found = MIXED;
    }
    return found;
  }
}
