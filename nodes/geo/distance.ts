/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;
/** Metres per degree of latitude on the mean sphere. */
export const METRES_PER_DEGREE = EARTH_RADIUS_M * RAD;

/**
 * Distance in metres from (x, y) to the segment (x0, y0)–(x1, y1), in degrees of longitude and
 * latitude. The segment is projected equirectangularly around the point: over the few kilometres
 * a tolerance spans, the error is far below the precision of the boundaries themselves.
 */
export function segmentDistanceM(x: number, y: number, x0: number, y0: number, x1: number, y1: number): number {
  const kx = Math.cos(y * RAD) * METRES_PER_DEGREE;
  const ax = (x0 - x) * kx, ay = (y0 - y) * METRES_PER_DEGREE;
  const dx = (x1 - x0) * kx, dy = (y1 - y0) * METRES_PER_DEGREE;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : -(ax * dx + ay * dy) / len2;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const px = ax + t * dx, py = ay + t * dy;
  return Math.sqrt(px * px + py * py);
}

/** Degrees of longitude and latitude that `metres` (plus one metre of margin) spans around latitude `y`. */
export function degreesAround(y: number, metres: number): { dx: number; dy: number } {
  const dy = (metres + 1) / METRES_PER_DEGREE;
  const cos = Math.cos(Math.min(89.9, Math.abs(y) + dy) * RAD);
  return { dx: Math.min(360, dy / cos), dy };
}
