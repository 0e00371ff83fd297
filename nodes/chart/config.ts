import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';
import { ConditionSchema, conditionsProblems } from '../dashboard/condition.js';
import { DashboardPlacementSchema, WidgetTitle } from '../dashboard/placement.js';
import { LiveInterval } from '../dashboard/live.js';
import type { ChartLook } from '../dashboard/look.js';
import { DURATION_PATTERN, parseDuration } from '../rollup/duration.js';

const Level = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
  default: 'warning', title: 'Level', description: 'Colour of the line: info (blue), warning (amber) or critical (red).',
});

export const ChartConfigSchema = Type.Object({
  dashboard: DashboardPlacementSchema,
  title: WidgetTitle,
  kind: Type.Union([Type.Literal('line'), Type.Literal('bars'), Type.Literal('points'), Type.Literal('histogram')], {
    default: 'line', title: 'Kind',
    description: '`line`, `bars` or `points` over time; `histogram`: how the values of one chosen series spread over the time range.',
  }),
  values: Type.Array(Type.Object({
    field: Type.String({ minLength: 1, title: 'Field', description: 'Dotted path of a numeric field (a number, or a string holding one).' }),
    label: Type.String({ default: '', maxLength: 100, title: 'Label', description: 'Its name in the legend when the chart shows several fields; empty: the field.' }),
  }, { additionalProperties: false }), {
    default: [{ field: 'value' }], minItems: 1, maxItems: 10, title: 'Values',
    description: 'The numeric fields drawn; each makes one series per value of the series field. A null value is a gap, not an error.',
  }),
  seriesField: Type.String({
    default: 'sensor', maxLength: 200, title: 'Series field',
    description: 'Field whose value names the series (one line per sensor); empty: one series per value field.',
  }),
  where: Type.Array(ConditionSchema, {
    default: [], maxItems: 10, title: 'Only records where',
    description: 'Records that do not meet these are ignored, not refused: one quantity of a rollup of several, e.g. `[{ "field": "quantity", "in": ["laeq"] }]`.',
  }),
  tsField: Type.String({ default: 'ts', minLength: 1, title: 'Time field', description: 'Event time: epoch milliseconds, or ISO 8601 with its zone.' }),
  unit: Type.String({ default: '', maxLength: 40, title: 'Unit', description: 'Shown on the axis and beside values, e.g. "dB(A)" or "°C".' }),
  decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, title: 'Decimals', description: 'Decimals of values in the legend; unset: chosen from the axis.' })),
  yMin: Type.Optional(Type.Number({ title: 'Y axis from', description: 'Fixed bottom of the value axis; unset: from the data and the limits.' })),
  yMax: Type.Optional(Type.Number({ title: 'Y axis to', description: 'Fixed top of the value axis; unset: from the data and the limits.' })),
  limits: Type.Array(Type.Object({
    value: Type.Number({ title: 'Value', description: 'Where the line is drawn, in the values\' unit.' }),
    label: Type.String({ default: '', maxLength: 100, title: 'Label', description: 'Written on the line, e.g. "75 dB(A) day limit"; empty: the value and unit.' }),
    level: Level,
  }, { additionalProperties: false }), {
    default: [], maxItems: 10, title: 'Limit lines', description: 'Horizontal dashed lines at limits, always inside the value axis.',
  }),
  range: Type.String({ default: '1h', pattern: DURATION_PATTERN, title: 'Time range shown', description: 'How far back the chart shows when the page opens, e.g. 15m, 6h, 7d (the page can change it).' }),
  retentionDays: Type.Number({ default: 7, exclusiveMinimum: 0, maximum: 3650, title: 'Retention (days)', description: 'How long the widget keeps its history; older points are dropped.' }),
  maxSeries: Type.Integer({
    default: 50, minimum: 1, maximum: 1000, title: 'Most series',
    description: 'Series kept at most; readings of further series go to `invalid` and the node\'s status says so, so memory and the chart stay bounded.',
  }),
  futureMs: Type.Integer({
    default: 300_000, minimum: 0, maximum: 86_400_000, title: 'Clock skew allowed (ms)',
    description: 'Readings timed further ahead of the server\'s clock go to `invalid` (a device with a wrong clock would squash the chart).',
  }),
  histogram: Type.Object({
    min: Type.Optional(Type.Number({ title: 'From', description: 'Lower bound of the first bucket; unset: the smallest value in the range.' })),
    max: Type.Optional(Type.Number({ title: 'To', description: 'Upper bound of the last bucket; unset: the largest value in the range.' })),
    buckets: Type.Integer({ default: 20, minimum: 1, maximum: 500, title: 'Buckets', description: 'Number of equal-width buckets.' }),
  }, { default: {}, additionalProperties: false, title: 'Histogram', description: 'Kind `histogram` only.' }),
  liveIntervalMs: Type.Integer(LiveInterval(500)),
}, { additionalProperties: false });

export type ChartConfig = Static<typeof ChartConfigSchema>;

export const rangeMs = (cfg: ChartConfig): number => parseDuration(cfg.range) ?? 3_600_000;
export const retentionMs = (cfg: ChartConfig): number => Math.round(cfg.retentionDays * 86_400_000);

/** The chart's look as the dashboard (and any renderer) draws it. */
export function chartLook(cfg: ChartConfig): ChartLook {
  return {
    kind: cfg.kind, unit: cfg.unit, decimals: cfg.decimals ?? null, yMin: cfg.yMin ?? null, yMax: cfg.yMax ?? null,
    limits: cfg.limits.map((l) => ({ value: l.value, level: l.level, label: l.label || `${l.value}${cfg.unit ? ` ${cfg.unit}` : ''}` })),
    rangeMs: rangeMs(cfg),
    histogram: { min: cfg.histogram.min ?? null, max: cfg.histogram.max ?? null, buckets: cfg.histogram.buckets },
  };
}

export function checkChart(cfg: ChartConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = conditionsProblems(cfg.where, '/where');
  if (cfg.yMin !== undefined && cfg.yMax !== undefined && cfg.yMin >= cfg.yMax) problems.push({ path: '/yMax', message: `must be above yMin (${cfg.yMin})` });
  const h = cfg.histogram;
  if (h.min !== undefined && h.max !== undefined && h.min >= h.max) problems.push({ path: '/histogram/max', message: `must be above histogram.min (${h.min})` });
  if (rangeMs(cfg) > retentionMs(cfg)) problems.push({ path: '/range', message: `${cfg.range} is longer than the ${cfg.retentionDays} days the chart keeps (retentionDays)` });
  const labels = cfg.values.map((v) => v.label || v.field);
  labels.forEach((l, i) => {
    if (labels.indexOf(l) !== i) problems.push({ path: `/values/${i}`, message: `"${l}" names two values; give them distinct labels` });
  });
  return problems;
}
