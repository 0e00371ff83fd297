import uPlot from 'uplot';
import {
  AXIS_COLOR, decimalsFor, FONT, formatNumber, formatTime, formatValue, GRID_COLOR, LEVEL_COLORS, LIMIT_LINE, LINE_WIDTH,
  niceStep, seriesColor, seriesDash, timeLabel, timeTicks, valueTicks, yRange,
} from '../../../nodes/dashboard/look';
import type { ChartLook } from './types';

/** uPlot options for a chart over time: every look decision comes from look.ts, as in server-side renderers. */
export function timeChartOptions(look: ChartLook, keys: readonly string[], colorOf: (key: string) => number, size: { width: number; height: number }, hooks: uPlot.Hooks.Arrays): uPlot.Options {
  const maxX = Math.max(2, Math.floor(size.width / 110));
  const maxY = Math.max(2, Math.floor(size.height / 45));
  return {
    ...size,
    // Times are epoch milliseconds.
    ms: 1,
    pxAlign: 0,
    cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
    legend: { live: true },
    select: { show: true, left: 0, top: 0, width: 0, height: 0 },
    scales: {
      x: { time: true },
      y: { range: (_u, min, max) => yRange(look, Number.isFinite(min) ? min : null, Number.isFinite(max) ? max : null) },
    },
    axes: [
      {
        stroke: AXIS_COLOR, font: FONT, grid: { stroke: GRID_COLOR, width: 1 }, ticks: { stroke: GRID_COLOR },
        splits: (_u, _i, min, max) => timeTicks(min, max, maxX).ticks,
        values: (_u, splits) => {
          const step = splits.length > 1 ? splits[1]! - splits[0]! : 60_000;
          return splits.map((t) => timeLabel(t, step));
        },
      },
      {
        stroke: AXIS_COLOR, font: FONT, grid: { stroke: GRID_COLOR, width: 1 }, ticks: { stroke: GRID_COLOR },
        size: 56, label: look.unit || undefined, labelFont: FONT, labelSize: 16,
        splits: (_u, _i, min, max) => valueTicks(min, max, maxY),
        values: numberLabels,
      },
    ],
    series: [
      { value: (_u, v) => (v === null ? '–' : formatTime(v)) },
      ...keys.map((key) => seriesOptions(look, key, colorOf(key))),
    ],
    hooks: { ...hooks, draw: [...(hooks.draw ?? []), (u) => drawLimits(u, look)] },
  };
}

function seriesOptions(look: ChartLook, key: string, color: number): uPlot.Series {
  const stroke = seriesColor(color);
  const value = (_u: uPlot, v: number | null) => formatValue(v, { unit: look.unit, decimals: look.decimals });
  if (look.kind === 'bars') {
    return { label: key, stroke, fill: `${stroke}99`, width: 1, value, paths: uPlot.paths.bars!({ size: [0.8, 24], align: 0 }), points: { show: false } };
  }
  if (look.kind === 'points') {
    return { label: key, stroke, fill: stroke, value, paths: () => null, points: { show: true, size: 4, stroke, fill: stroke } };
  }
  return { label: key, stroke, width: LINE_WIDTH, dash: seriesDash(color), value, spanGaps: false, points: { show: false } };
}

/** Dashed horizontal lines at the limits, labelled at their right end. */
export function drawLimits(u: uPlot, look: Pick<ChartLook, 'limits'>): void {
  if (look.limits.length === 0) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const ratio = devicePixelRatio || 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.font = FONT.replace(/^(\d+)px/, (_, px: string) => `${Number(px) * ratio}px`);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  for (const limit of look.limits) {
    const y = Math.round(u.valToPos(limit.value, 'y', true));
    const color = LEVEL_COLORS[limit.level];
    ctx.strokeStyle = color;
    ctx.lineWidth = LIMIT_LINE.width * ratio;
    ctx.setLineDash(LIMIT_LINE.dash.map((d) => d * ratio));
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    // On a white plate, so lines crossing the label do not hide it.
    const textWidth = ctx.measureText(limit.label).width;
    const x = left + width - 4 * ratio;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(x - textWidth - 3 * ratio, y - 15 * ratio, textWidth + 6 * ratio, 13 * ratio);
    ctx.fillStyle = color;
    ctx.fillText(limit.label, x, y - 3 * ratio);
  }
  ctx.restore();
}

/** Tick labels as look.ts writes numbers, with the decimals the step needs. */
function numberLabels(_u: uPlot, splits: number[]): string[] {
  const d = decimalsFor(niceStep((splits.at(-1)! - splits[0]!) / Math.max(1, splits.length - 1)));
  return splits.map((v) => formatNumber(v, d));
}

/** uPlot options for a histogram of one series: bars over value buckets. */
export function histogramOptions(look: ChartLook, unit: string, size: { width: number; height: number }, hooks: uPlot.Hooks.Arrays): uPlot.Options {
  return {
    ...size,
    pxAlign: 0,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: false }, y: { range: (_u, _min, max) => yRange({ ...look, kind: 'histogram', limits: [] }, 0, max) } },
    axes: [
      { stroke: AXIS_COLOR, font: FONT, grid: { show: false }, label: unit || undefined, labelFont: FONT, labelSize: 16, values: numberLabels },
      { stroke: AXIS_COLOR, font: FONT, grid: { stroke: GRID_COLOR, width: 1 }, size: 48, label: 'readings', labelFont: FONT, labelSize: 16, values: numberLabels },
    ],
    series: [
      { label: unit ? `value (${unit})` : 'value', value: (_u, v) => (v === null ? '–' : formatNumber(v, look.decimals ?? 2)) },
      { label: 'readings', stroke: seriesColor(0), fill: `${seriesColor(0)}aa`, width: 1, paths: uPlot.paths.bars!({ size: [0.9, 80] }), points: { show: false } },
    ],
    hooks,
  };
}
