import Flatbush from 'flatbush';
import type { PolygonRings } from './geojson.js';

/**
 * Splits polygons into groups whose bounding boxes overlap, transitively (union-find over a flatbush
 * of the boxes). Mainland regions form one group, distant islands and overseas territories their own,
 * so each group's grid stays fine-grained instead of stretching over oceans.
 */
export function overlappingGroups(polygons: readonly PolygonRings[]): PolygonRings[][] {
  const parent = polygons.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const boxes = new Flatbush(polygons.length);
  for (const p of polygons) boxes.add(p.minX, p.minY, p.maxX, p.maxY);
  boxes.finish();
  polygons.forEach((p, i) => {
    for (const k of boxes.search(p.minX, p.minY, p.maxX, p.maxY)) parent[root(k)] = root(i);
  });
  const groups = new Map<number, PolygonRings[]>();
  polygons.forEach((p, i) => {
    const r = root(i);
    const group = groups.get(r);
    if (group) group.push(p);
    else groups.set(r, [p]);
  });
  return [...groups.values()];
}
