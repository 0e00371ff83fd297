import type { PolygonRings } from './geojson.js';

/** Cell values besides a feature index. */
export const NO_REGION = -1;
export const MIXED = -2;

const MIN_CELLS = 4096;
const CELLS_PER_EDGE = 64;
/** Widens each edge's box when marking cells, far above floating-point error on degrees. */
const EPSILON = 1e-9;

/**
 * A regular grid over the polygons' bounding box. A cell that no edge touches lies entirely inside
 * one feature (or none), which its centre tells; only cells crossed by a boundary (`MIXED`) need an
 * exact point-in-polygon test. Most points of a region are answered by one array read.
 */
export class RegionGrid {
  readonly cells: Int32Array;
  readonly nx: number;
  readonly ny: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  private readonly cellW: number;
  private readonly cellH: number;

  constructor(polygons: readonly PolygonRings[], maxCells: number) {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, edges = 0;
    for (const p of polygons) {
      minX = Math.min(minX, p.minX);
      minY = Math.min(minY, p.minY);
      maxX = Math.max(maxX, p.maxX);
      maxY = Math.max(maxY, p.maxY);
      for (const ring of p.rings) edges += ring.length / 2 - 1;
    }
    const w = Math.max(maxX - minX, 1e-6), h = Math.max(maxY - minY, 1e-6);
    const target = Math.min(maxCells, Math.max(MIN_CELLS, edges * CELLS_PER_EDGE));
    const side = Math.sqrt((w * h) / target);
    this.nx = Math.min(4096, Math.max(1, Math.ceil(w / side)));
    this.ny = Math.min(4096, Math.max(1, Math.ceil(h / side)));
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;
    this.cellW = w / this.nx;
    this.cellH = h / this.ny;
    this.cells = new Int32Array(this.nx * this.ny).fill(NO_REGION);
    for (const p of polygons) this.fill(p);
    for (const p of polygons) this.markEdges(p);
  }

  /** The feature whose interior holds the whole cell of (x, y), `NO_REGION`, or `MIXED` (also outside the grid). */
  at(x: number, y: number): number {
    const i = Math.floor((x - this.minX) / this.cellW);
    const j = Math.floor((y - this.minY) / this.cellH);
    if (i < 0 || j < 0 || i >= this.nx || j >= this.ny) return MIXED;
    return this.cells[j * this.nx + i]!;
  }

  private centreY(j: number): number {
    return this.minY + (j + 0.5) * this.cellH;
  }

  private centreX(i: number): number {
    return this.minX + (i + 0.5) * this.cellW;
  }

  /** Scanline fill at each row's centre line, even-odd over all rings (holes stay empty). */
  private fill(p: PolygonRings): void {
    const rows = new Map<number, number[]>();
    for (const ring of p.rings) {
      for (let k = 0; k + 3 < ring.length; k += 2) {
        const x0 = ring[k]!, y0 = ring[k + 1]!, x1 = ring[k + 2]!, y1 = ring[k + 3]!;
        const first = Math.max(0, Math.ceil((Math.min(y0, y1) - this.minY) / this.cellH - 0.5) - 1);
        const last = Math.min(this.ny - 1, Math.ceil((Math.max(y0, y1) - this.minY) / this.cellH - 0.5));
        for (let j = first; j <= last; j++) {
          const yc = this.centreY(j);
          if ((y0 > yc) === (y1 > yc)) continue;
          const list = rows.get(j);
          const x = x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0);
          if (list) list.push(x);
          else rows.set(j, [x]);
        }
      }
    }
    for (const [j, xs] of rows) {
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) this.fillSpan(j, xs[k]!, xs[k + 1]!, p.feature);
    }
  }

  private fillSpan(j: number, from: number, to: number, feature: number): void {
    const start = Math.max(0, Math.floor((from - this.minX) / this.cellW - 0.5));
    const end = Math.min(this.nx - 1, Math.ceil((to - this.minX) / this.cellW - 0.5));
    for (let i = start; i <= end; i++) {
      const xc = this.centreX(i);
      if (xc < from || xc >= to) continue;
      const c = j * this.nx + i;
      const v = this.cells[c]!;
      // Overlapping features: leave the choice to the exact test, which is deterministic.
      this.cells[c] = v === NO_REGION || v === feature ? feature : MIXED;
    }
  }

  /** Every cell an edge's bounding box touches can hold points on both sides of a boundary. */
  private markEdges(p: PolygonRings): void {
    for (const ring of p.rings) {
      for (let k = 0; k + 3 < ring.length; k += 2) {
        const x0 = ring[k]!, y0 = ring[k + 1]!, x1 = ring[k + 2]!, y1 = ring[k + 3]!;
        const i0 = Math.max(0, Math.floor((Math.min(x0, x1) - EPSILON - this.minX) / this.cellW));
        const i1 = Math.min(this.nx - 1, Math.floor((Math.max(x0, x1) + EPSILON - this.minX) / this.cellW));
        const j0 = Math.max(0, Math.floor((Math.min(y0, y1) - EPSILON - this.minY) / this.cellH));
        const j1 = Math.min(this.ny - 1, Math.floor((Math.max(y0, y1) + EPSILON - this.minY) / this.cellH));
        for (let j = j0; j <= j1; j++) this.cells.fill(MIXED, j * this.nx + i0, j * this.nx + i1 + 1);
      }
    }
  }
}
