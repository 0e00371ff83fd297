import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A day of 1-minute rollup windows for a report test: 29 March 2026 in Europe/London, the day the clocks go
 * forward (23 hours, 00:00–01:00 GMT then BST). Every figure the report prints can be computed from these
 * rows by the test itself.
 */
export const DAY_KEY = '2026-03-29';
export const TIME_ZONE = 'Europe/London';
export const FROM = Date.UTC(2026, 2, 29, 0, 0);
export const TO = Date.UTC(2026, 2, 29, 23, 0);
export const MINUTES = (TO - FROM) / 60_000;
const MIN = 60_000;

/** Local hour and minute in London that day: GMT before 01:00 UTC, BST after. */
export function londonMinute(t: number): number {
  const local = t + (t >= Date.UTC(2026, 2, 29, 1, 0) ? 3_600_000 : 0);
  return Math.floor((local % 86_400_000) / MIN);
}

export interface Window {
  window_start: number;
  window_end: number;
  sensor: string;
  quantity: string;
  count: number;
  value_mean: number;
  value_max: number;
}

const win = (m: number, sensor: string, quantity: string, mean: number, max = mean, count = 1): Window => ({
  window_start: FROM + m * MIN, window_end: FROM + (m + 1) * MIN, sensor, quantity, count, value_mean: mean, value_max: max,
});

const local = (h: number, m = 0) => h * 60 + m;

export function noise1(): Window[] {
  return Array.from({ length: MINUTES }, (_, m) => {
    const lm = londonMinute(FROM + m * MIN);
    const day = lm >= local(7) && lm < local(19);
    if (lm >= local(10) && lm < local(10, 20)) return win(m, 'noise-1', 'laeq', 80);
    if (lm >= local(21) && lm < local(21, 5)) return win(m, 'noise-1', 'laeq', 58);
    return win(m, 'noise-1', 'laeq', (day ? 60 : 48) + (m % 2) * 4);
  });
}

/** 52 dB(A) throughout, with 45 minutes missing from 02:00 UTC (03:00 BST). */
export function noise2(): Window[] {
  return Array.from({ length: MINUTES }, (_, m) => win(m, 'noise-2', 'laeq', 52)).filter((_, m) => m < 120 || m >= 165);
}

/** Minutes of vib-1 at 6 mm/s: three from 12:00 UTC, and the day's last five (still high when the data ends). */
export const VIB_HIGH = (m: number) => (m >= 720 && m < 723) || m >= MINUTES - 5;

/** Peak PPV 1 mm/s, 6 mm/s in the VIB_HIGH minutes; ten windows short of readings (50 of 60). */
export function vibration(): Window[] {
  return Array.from({ length: MINUTES }, (_, m) => win(m, 'vib-1', 'ppv', 0.5, VIB_HIGH(m) ? 6 : 1, m >= 100 && m < 110 ? 50 : 60));
}

/** PM10 40 µg/m³, 200 for 30 minutes from 14:00 UTC. */
export function dust(): Window[] {
  return Array.from({ length: MINUTES }, (_, m) => win(m, 'dust-north', 'pm10', m >= 840 && m < 870 ? 200 : 40));
}

export function temperature(): Window[] {
  return Array.from({ length: MINUTES }, (_, m) => win(m, 'weather', 'temp', 12.5));
}

/** Readings a check refused (three of noise-1) and a row no sensor can be read from. */
export function refused(): object[] {
  return [
    ...[0, 1, 2].map((i) => ({ record: { ts: FROM + 600_000 + i * 1000, sensor: 'noise-1', quantity: 'laeq', value: 300 }, reason: 'value: 300 is above the maximum 140', node: 'check' })),
    { file: 'noise-0329.csv', line: 7, reason: 'line 7: 3 columns, expected 4', raw: 'a,b,c', kind: 'columns' },
  ];
}

export function writeNdjson(dir: string, name: string, rows: object[]): string {
  const file = join(dir, `${name}.ndjson`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

/** The report node's config for these rows. */
export function reportConfig(extra: object = {}): object {
  return {
    title: 'Daily environmental monitoring report', site: 'Chantier de la Défense, Lot B', preparedFor: 'Établissement public', preparedBy: 'Acme Environmental',
    schedule: '0 7 * * *', timeZone: TIME_ZONE, period: 'day', from: 'Site monitoring <monitoring@site.example>',
    // The rows are from a past March: keep them whatever today's date.
    keepDays: 3660,
    quantities: [
      { id: 'laeq', label: 'Noise LAeq,1min', unit: 'dB(A)', field: 'value_mean', average: 'energy', decimals: 1, readingEveryMs: 60_000,
        limits: [{ value: 75, label: '75 dB(A) day limit', level: 'warning', from: '07:00', to: '19:00' }, { value: 55, label: '55 dB(A) night limit', level: 'warning', from: '19:00', to: '07:00' }] },
      { id: 'ppv', label: 'Vibration peak PPV', unit: 'mm/s', field: 'value_max', decimals: 2, readingEveryMs: 1000, yMin: 0,
        limits: [{ value: 3, label: '3 mm/s early warning', level: 'warning' }, { value: 5, label: '5 mm/s DIN 4150-3', level: 'critical' }] },
      { id: 'pm10', label: 'Dust PM10', unit: 'µg/m³', field: 'value_mean', decimals: 0, readingEveryMs: 60_000, yMin: 0, sensors: ['dust-north', 'dust-south'],
        limits: [{ value: 190, label: '190 µg/m³ action level', level: 'warning' }] },
      { id: 'temp', label: 'Air temperature', unit: '°C', field: 'value_mean', decimals: 1, readingEveryMs: 60_000 },
    ],
    ...extra,
  };
}
