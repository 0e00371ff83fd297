import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The France hourly use case, computed independently of Sluice: sensors placed in communes of the
 * shared reference sample (whose region codes come from the communes list, not from the GeoJSON),
 * and the hourly mean per region with the value 3 hours earlier.
 */

export const HOUR = 3_600_000;
export const START = Date.UTC(2026, 5, 1);
export const HOURS = 8;
const OVERSEAS = new Set(['01', '02', '03', '04', '06']);

export interface Commune { insee: string; lat: number; lon: number; regionCode: string }
export interface Reading { ts: number; sensor: string; lat: number; lon: number; value: number; regionCode: string }
export interface HourlyRow {
  window_start: number;
  window_end: number;
  region_code: string;
  value_count: number;
  value_mean: number;
  value_mean_prev3: number | null;
  value_mean_diff3: number | null;
}

export function communes(dir: string): Commune[] {
  const [, ...lines] = readFileSync(join(dir, 'communes-sample.csv'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [insee, , lat, lon, regionCode] = line.split(',');
    return { insee: insee!, lat: Number(lat), lon: Number(lon), regionCode: regionCode! };
  });
}

/** A sensor in every fifth metropolitan commune, one reading every 15 minutes for 8 hours, in time order. */
export function readings(sample: Commune[]): Reading[] {
  const sensors = sample.filter((c, i) => i % 5 === 0 && !OVERSEAS.has(c.regionCode));
  const out: Reading[] = [];
  for (let q = 0; q < HOURS * 4; q++) {
    for (const [i, c] of sensors.entries()) {
      out.push({ ts: START + q * 15 * 60_000, sensor: c.insee, lat: c.lat, lon: c.lon, value: 10 + (i % 7) + q * 0.25 + (Number(c.regionCode) % 5), regionCode: c.regionCode });
    }
  }
  return out;
}

/** The hourly mean per region and the same region's mean 3 hours earlier, from the communes' own region codes. */
export function expectedRows(data: Reading[]): HourlyRow[] {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const r of data) {
    const key = `${r.regionCode}|${Math.floor((r.ts - START) / HOUR)}`;
    const s = sums.get(key) ?? { sum: 0, count: 0 };
    s.sum += r.value;
    s.count++;
    sums.set(key, s);
  }
  const mean = (code: string, h: number) => { const s = sums.get(`${code}|${h}`); return s ? s.sum / s.count : null; };
  const rows = [...sums].map(([key, s]) => {
    const [code, h] = [key.split('|')[0]!, Number(key.split('|')[1])];
    const prev = mean(code, h - 3);
    return { window_start: START + h * HOUR, window_end: START + (h + 1) * HOUR, region_code: code, value_count: s.count, value_mean: s.sum / s.count, value_mean_prev3: prev, value_mean_diff3: prev === null ? null : s.sum / s.count - prev };
  });
  return sortRows(rows);
}

export function sortRows<T extends { window_start: number; region_code: string }>(rows: T[]): T[] {
  return rows.sort((a, b) => a.window_start - b.window_start || a.region_code.localeCompare(b.region_code));
}

/** Asserts row by row that `got` matches `expected` (numbers to 1e-9, nulls exactly). */
export function assertRows(got: { [k: string]: unknown }[], expected: HourlyRow[], fail: (message: string) => never): void {
  if (got.length !== expected.length) fail(`${got.length} rows, expected ${expected.length} (one per region and hour)`);
  const close = (a: unknown, b: unknown) => (a === null || b === null ? a === b : Math.abs((a as number) - (b as number)) < 1e-9);
  for (const [i, want] of expected.entries()) {
    const row = got[i]!;
    for (const [k, v] of Object.entries(want)) {
      if (!(close(row[k], v) || row[k] === v)) fail(`row ${i} (${JSON.stringify(want)}): ${k} is ${String(row[k])}, expected ${String(v)}`);
    }
  }
}
