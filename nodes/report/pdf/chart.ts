import {
  AXIS_COLOR, decimalsFor, formatNumber, GRID_COLOR, LEVEL_COLORS, LIMIT_LINE, LINE_WIDTH, niceStep, seriesColor, seriesDash, timeLabel,
  timeTicks, valueTicks, yRange, type ChartLook,
} from '../../dashboard/look.js';
import { DAY, MINUTE } from '../../rollup/duration.js';
import { ZoneOffsets } from '../../rollup/time-zone.js';
import { limitLabel, minuteOfDay, quantityLabel, type LimitConfig } from '../config.js';
import type { QuantityFigures, Span } from '../figures.js';
import type { Period } from '../period.js';
import { CONTENT_WIDTH, INK, MUTED, PAGE, type Writer } from './writer.js';

/** Screen pixels are 0.75 pt: lines as thick as on the dashboard look as thick on paper. */
const PT_PER_PX = 0.75;
const PLOT_HEIGHT = 150;
const AXIS_WIDTH = 40;

/** The dashboard's look of this quantity's chart: the same object the browser draws with. */
export function quantityLook(q: QuantityFigures['config']): ChartLook {
  return {
    kind: 'line', unit: q.unit, decimals: q.decimals, yMin: q.yMin ?? null, yMax: q.yMax ?? null,
    limits: q.limits.map((l) => ({ value: l.value, label: limitLabel(l, q.unit), level: l.level })),
    rangeMs: DAY, histogram: { min: null, max: null, buckets: 20 },
  };
}

/** Where in the period a limit applies: all of it, or its local hours on each day (across DST changes). */
export function limitSpans(limit: LimitConfig, period: Period): Span[] {
  if (limit.from === undefined || limit.to === undefined) return [{ from: period.from, to: period.to }];
  const zone = new ZoneOffsets(period.timeZone);
  const [a, b] = [minuteOfDay(limit.from) * MINUTE, minuteOfDay(limit.to) * MINUTE];
  const firstDay = Math.floor((period.from + zone.at(period.from)) / DAY) * DAY - DAY;
  const spans: Span[] = [];
  for (let day = firstDay; zone.toUtc(day) < period.to; day += DAY) {
    const from = zone.toUtc(day + a);
    const to = zone.toUtc(b > a ? day + b : day + DAY + b);
    const clipped = { from: Math.max(from, period.from), to: Math.min(to, period.to) };
    if (clipped.to > clipped.from) spans.push(clipped);
  }
  return spans;
}

/**
 * One quantity's chart, drawn with the dashboard's look functions (colours, line widths, limit lines, nice
 * ticks, local time labels and number formats) from M4 columns of every sensor's windows: one line per
 * sensor, each limit dashed over the hours it applies, the legend below.
 */
export function drawChart(w: Writer, q: QuantityFigures, period: Period): void {
  const look = quantityLook(q.config);
  const legend = q.series.map((s) => s.sensor);
  const legendRows = Math.ceil(legend.length / 5);
  w.ensure(18 + PLOT_HEIGHT + 22 + legendRows * 11 + 10);
  const doc = w.doc;
  w.font('bold', 9.5).doc.text(`${quantityLabel(q.config)}${q.config.unit ? ` (${q.config.unit})` : ''}`, PAGE.left, w.y, { width: CONTENT_WIDTH, lineBreak: false });
  w.y += 15;
  const plot = { x: PAGE.left + AXIS_WIDTH, y: w.y, w: CONTENT_WIDTH - AXIS_WIDTH - 4, h: PLOT_HEIGHT };
  const values = q.series.flatMap((s) => s.chart.values.filter((v): v is number => v !== null));
  const [lo, hi] = yRange(look, values.length ? Math.min(...values) : null, values.length ? Math.max(...values) : null);
  const xOf = (t: number) => plot.x + ((t - period.from) / (period.to - period.from)) * plot.w;
  const yOf = (v: number) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;

  // Grid and axes.
  const ticks = valueTicks(lo, hi, 5);
  const decimals = decimalsFor(niceStep((hi - lo) / 5));
  doc.save().lineWidth(0.5).strokeColor(GRID_COLOR);
  for (const v of ticks) doc.moveTo(plot.x, yOf(v)).lineTo(plot.x + plot.w, yOf(v)).stroke();
  const time = timeTicks(period.from, period.to, 8, period.timeZone);
  for (const t of time.ticks) doc.moveTo(xOf(t), plot.y).lineTo(xOf(t), plot.y + plot.h).stroke();
  doc.restore();
  doc.save().rect(plot.x, plot.y, plot.w, plot.h).lineWidth(0.6).strokeColor(AXIS_COLOR).stroke().restore();
  w.font('cond', 7, MUTED);
  for (const v of ticks) doc.text(formatNumber(v, decimals), PAGE.left, yOf(v) - 3.5, { width: AXIS_WIDTH - 4, align: 'right', lineBreak: false });
  for (const t of time.ticks) doc.text(timeLabel(t, time.stepMs, period.timeZone), xOf(t) - 25, plot.y + plot.h + 3, { width: 50, align: 'center', lineBreak: false });

  // Series, clipped to the plot; a null is a gap in the line.
  doc.save().rect(plot.x, plot.y, plot.w, plot.h).clip();
  q.series.forEach((s) => {
    const dash = seriesDash(s.color);
    doc.lineWidth(LINE_WIDTH * PT_PER_PX).strokeColor(seriesColor(s.color));
    if (dash.length) doc.dash(dash[0]! * PT_PER_PX, { space: dash[1]! * PT_PER_PX });
    else doc.undash();
    let open = false;
    s.chart.ts.forEach((t, i) => {
      const v = s.chart.values[i];
      if (v === null || v === undefined) {
        if (open) doc.stroke();
        open = false;
        return;
      }
      if (open) doc.lineTo(xOf(t), yOf(v));
      else doc.moveTo(xOf(t), yOf(v));
      open = true;
    });
    if (open) doc.stroke();
  });
  doc.undash();
  // Limits over the hours they apply, dashed in their level's colour as on the dashboard.
  q.config.limits.forEach((limit) => {
    const y = yOf(limit.value);
    doc.lineWidth(LIMIT_LINE.width * PT_PER_PX).strokeColor(LEVEL_COLORS[limit.level]).dash(LIMIT_LINE.dash[0] * PT_PER_PX, { space: LIMIT_LINE.dash[1] * PT_PER_PX });
    for (const span of limitSpans(limit, period)) doc.moveTo(xOf(span.from), y).lineTo(xOf(span.to), y).stroke();
    doc.undash();
  });
  doc.restore();
  q.config.limits.forEach((limit) => {
    const longest = limitSpans(limit, period).sort((a, b) => b.to - b.from - (a.to - a.from))[0];
    if (!longest) return;
    const y = yOf(limit.value);
    if (y < plot.y + 8 || y > plot.y + plot.h) return;
    w.font('cond', 6.8, LEVEL_COLORS[limit.level]).doc.text(limitLabel(limit, q.config.unit), xOf(longest.from) + 3, y - 8.5, { width: xOf(longest.to) - xOf(longest.from) - 6, lineBreak: false, ellipsis: true });
  });
  w.y = plot.y + plot.h + 15;
  drawLegend(w, q);
}

function drawLegend(w: Writer, q: QuantityFigures): void {
  const perRow = 5;
  const cell = CONTENT_WIDTH / perRow;
  q.series.forEach((s, i) => {
    const x = PAGE.left + (i % perRow) * cell;
    const y = w.y + Math.floor(i / perRow) * 11;
    const dash = seriesDash(s.color);
    w.doc.save().lineWidth(1.5).strokeColor(seriesColor(s.color));
    if (dash.length) w.doc.dash(dash[0]! * PT_PER_PX, { space: dash[1]! * PT_PER_PX });
    w.doc.moveTo(x, y + 4).lineTo(x + 14, y + 4).stroke().restore();
    const empty = s.windows === 0 ? ' (no data)' : '';
    w.font('cond', 7.5, s.windows === 0 ? MUTED : INK).doc.text(`${s.sensor}${empty}`, x + 18, y, { width: cell - 20, lineBreak: false, ellipsis: true });
  });
  w.y += Math.ceil(q.series.length / perRow) * 11 + 10;
}
