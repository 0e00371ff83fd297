/**
 * How Sluice draws a widget: series colours, limit lines, levels, value and time axes, number formats.
 * Imported by the dashboard in the browser (uPlot) and by renderers on the server (scheduled reports
 * drawing the same charts as SVG), so both make the same decisions. No imports: it runs anywhere.
 */

export type Level = 'ok' | 'info' | 'warning' | 'critical';
export const LEVELS: readonly Level[] = ['ok', 'info', 'warning', 'critical'];

/** Level colours: text and lines on white; tints are these at low opacity. */
export const LEVEL_COLORS: { [level in Level]: string } = {
  ok: '#11845b', info: '#2f6fde', warning: '#b86e00', critical: '#c8372d',
};

/**
 * Series colours in order of first appearance, so a series keeps its colour across reloads and in reports.
 * Ten hues far apart (Tableau 10, darkened where they were too light on white), then the same again dashed.
 */
export const SERIES_PALETTE: readonly string[] = [
  '#1f77b4', '#e8710a', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#6b6b6b', '#a6a20f', '#17becf',
];

export function seriesColor(index: number): string {
  return SERIES_PALETTE[((index % SERIES_PALETTE.length) + SERIES_PALETTE.length) % SERIES_PALETTE.length]!;
}

/** Series past the palette's length repeat its hues with a dash, so two series never look the same. */
export function seriesDash(index: number): number[] {
  return index >= SERIES_PALETTE.length ? [5, 3] : [];
}

/** One pixel, as Grafana draws: dense series stay readable, and browsers draw hairlines fastest. */
export const LINE_WIDTH = 1;
export const LIMIT_LINE = { width: 1.5, dash: [6, 4] } as const;
export const GRID_COLOR = '#e6e9ef';
export const AXIS_COLOR = '#6b7688';
export const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

/**
 * How often a live chart redraws: when new points have moved it by about a pixel (a 5-minute chart four times
 * a second, a 24-hour chart) but at least every 5 s, so a new point shows within seconds on any range.
 */
export function redrawEveryMs(spanMs: number, widthPx: number): number {
  return Math.min(5000, Math.max(250, spanMs / Math.max(1, widthPx)));
}

/** A horizontal line at a limit, e.g. "75 dB(A) day limit". */
export interface LimitLine {
  value: number;
  label: string;
  level: Level;
}

export type ChartKind = 'line' | 'bars' | 'points' | 'histogram';

/** What a chart looks like, from its node's config: the dashboard and the reports read the same object. */
export interface ChartLook {
  kind: ChartKind;
  unit: string;
  /** Decimals of values in the legend and tooltips; null: chosen from the axis step. */
  decimals: number | null;
  /** Fixed ends of the y axis; null: from the data (and the limits). */
  yMin: number | null;
  yMax: number | null;
  limits: LimitLine[];
  /** The time range shown when the page opens, in ms. */
  rangeMs: number;
  /** Histograms: value buckets; min/max null: from the data of the range. */
  histogram: { min: number | null; max: number | null; buckets: number };
}

/**
 * The y axis of a chart: the configured ends where set, otherwise the data's range widened to show every
 * limit line (a chart "against its limits" must show them) with 5 % of air, then rounded to nice ticks.
 */
export function yRange(look: Pick<ChartLook, 'yMin' | 'yMax' | 'limits' | 'kind'>, dataMin: number | null, dataMax: number | null): [number, number] {
  let lo = dataMin ?? Infinity;
  let hi = dataMax ?? -Infinity;
  for (const l of look.limits) {
    lo = Math.min(lo, l.value);
    hi = Math.max(hi, l.value);
  }
  if (look.kind === 'bars' || look.kind === 'histogram') {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const air = (hi - lo) * 0.05;
  // Positive data near zero starts at zero rather than just below it.
  let min = look.yMin ?? (lo >= 0 && lo - air < 0 ? 0 : lo - air);
  let max = look.yMax ?? hi + air;
  if (look.yMin === null || look.yMax === null) {
    const step = niceStep((max - min) / 5);
    if (look.yMin === null) min = Math.floor(min / step) * step;
    if (look.yMax === null) max = Math.ceil(max / step) * step;
  }
  return min < max ? [min, max] : [min, min + 1];
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Tick values of a value axis: multiples of a nice step within [min, max], at most about `maxTicks`. */
export function valueTicks(min: number, max: number, maxTicks: number): number[] {
  const step = niceStep((max - min) / Math.max(1, maxTicks));
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : round(v, step));
  return ticks;
}

function round(v: number, step: number): number {
  const d = decimalsFor(step);
  return Number(v.toFixed(d));
}

/** Decimals that tell apart two values `step` apart. */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
}

export type ValueFormat = 'number' | 'percent' | 'duration';

/** A value as the widgets show it: `21.4 °C`, `20 %` (of a 0..1 share), `6 min 12 s` (of milliseconds). */
export function formatValue(v: number | null | undefined, o: { unit?: string; decimals?: number | null; format?: ValueFormat } = {}): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (o.format === 'duration') return formatDuration(v);
  if (o.format === 'percent') return `${formatNumber(v * 100, o.decimals ?? (Math.abs(v) < 0.1 && v !== 0 ? 1 : 0))} %`;
  const text = formatNumber(v, o.decimals ?? autoDecimals(v));
  return o.unit ? `${text} ${o.unit}` : text;
}

function autoDecimals(v: number): number {
  const a = Math.abs(v);
  return a === 0 || a >= 100 ? (Number.isInteger(v) || a >= 1000 ? 0 : 1) : a >= 1 ? 2 : Math.min(6, decimalsFor(a) + 2);
}

/** Digits grouped by thin spaces (no locale: the browser and a report on a server print the same). */
export function formatNumber(v: number, decimals: number): string {
  const fixed = Math.abs(v).toFixed(Math.max(0, Math.min(10, decimals)));
  const [whole, fraction] = fixed.split('.');
  const grouped = whole!.length > 4 ? whole!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f') : whole!;
  const sign = v < 0 && Number(fixed) !== 0 ? '−' : '';
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

const UNITS: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];

/** `6 min 12 s`, `2 h 5 min`, `850 ms`: the two largest units. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '−' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest < 1000) return `${sign}${rest} ms`;
  const parts: string[] = [];
  for (const [size, name] of UNITS) {
    if (rest >= size || parts.length > 0) {
      const n = Math.floor(rest / size);
      rest -= n * size;
      if (n > 0 || parts.length > 0) parts.push(`${n} ${name}`);
    }
    if (parts.length === 2) break;
  }
  return sign + parts.filter((p) => !p.startsWith('0 ')).join(' ');
}

/** A threshold step: values from `from` upwards have `level` (until the next step). */
export interface Threshold {
  from: number;
  level: Level;
}

/** The level of a value: the last step it reaches, `ok` below every step (Grafana's thresholds). */
export function levelOf(v: number | null | undefined, thresholds: readonly Threshold[]): Level {
  let level: Level = 'ok';
  if (v === null || v === undefined || !Number.isFinite(v)) return level;
  for (const t of thresholds) if (v >= t.from) level = t.level;
  return level;
}

/** Steps of a time axis, from a second to a year: ticks fall on round local times. */
const TIME_STEPS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
  2_592_000_000, 7_776_000_000, 31_536_000_000,
];

/** Ticks of a time axis over [from, to] in epoch ms: at most about `maxTicks`, on multiples of a round step. */
export function timeTicks(from: number, to: number, maxTicks: number, timeZone?: string): { ticks: number[]; stepMs: number } {
  const span = Math.max(1, to - from);
  const stepMs = TIME_STEPS.find((s) => span / s <= Math.max(1, maxTicks)) ?? TIME_STEPS.at(-1)!;
  // Round in local time: an hour tick at 14:00 local, a day tick at local midnight.
  const offset = stepMs >= 3_600_000 ? zoneOffsetMs(from, timeZone) : 0;
  const ticks: number[] = [];
  for (let t = Math.ceil((from + offset) / stepMs) * stepMs - offset; t <= to; t += stepMs) ticks.push(t);
  return { ticks, stepMs };
}

/** Making a formatter costs far more than using one (ICU): each kind is made once per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string | undefined, o: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone ?? ''}|${JSON.stringify(o)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, ...o });
    formatters.set(key, f);
  }
  return f;
}

/** The zone's offset from UTC at `at`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(at: number, timeZone?: string): number {
  const parts = formatter('en-US', timeZone, {
    hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(at / 1000) * 1000;
}

/** A tick's label: seconds, minutes, hours or dates, whichever the step calls for (24-hour clock). */
export function timeLabel(ts: number, stepMs: number, timeZone?: string): string {
  const d = new Date(ts);
  const fmt = (o: Intl.DateTimeFormatOptions) => formatter('en-GB', timeZone, o).format(d);
  if (stepMs < 60_000) return fmt({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  if (stepMs < 86_400_000) {
    const hm = fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    return hm === '00:00' ? fmt({ day: 'numeric', month: 'short' }) : hm;
  }
  if (stepMs < 2_592_000_000) return fmt({ day: 'numeric', month: 'short' });
  return fmt({ month: 'short', year: 'numeric' });
}

/** A point in time for tooltips and tables: `14 Mar 14:05:09`. */
export function formatTime(ts: number, timeZone?: string): string {
  if (!Number.isFinite(ts)) return '–';
  return formatter('en-GB', timeZone, {
    day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(ts));
}

/** How tables sort a column: numbers by value, anything else as text (numeric-aware), nulls last either way. */
export function compareCells(a: unknown, b: unknown, dir: 1 | -1 = 1): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return dir * (a - b);
  return dir * String(a).localeCompare(String(b), 'en', { numeric: true });
}
