import { formatDuration, formatNumber, formatValue, LEVEL_COLORS, type Level } from '../../dashboard/look.js';
import type { AlertRow } from '../alert-rows.js';
import { limitLabel, quantityLabel } from '../config.js';
import { CHART_COLUMNS, KNOWN_SENSOR_LOOKBACK_MS } from '../figures.js';
import { completeness, durationText, exceedanceWindows, hasData, percent, type ReportModel } from '../model.js';
import { periodSpan, periodTitle } from '../period.js';
import { drawChart } from './chart.js';
import { CONTENT_WIDTH, INK, MUTED, PAGE, type Cell, type Writer } from './writer.js';

const SEVERITY_LEVEL: { [severity: string]: Level } = { info: 'info', warning: 'warning', critical: 'critical' };
const severityColor = (s: string) => LEVEL_COLORS[SEVERITY_LEVEL[s] ?? 'info'];

const parts = (ts: number, timeZone: string, o: Intl.DateTimeFormatOptions) => Object.fromEntries(
  new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', ...o }).formatToParts(new Date(ts)).map((p) => [p.type, p.value]));

/** `29 Mar 13:01:00` in the report's zone: the same text whichever ICU the server has (some put a comma in). */
export function shortTime(ts: number, timeZone: string): string {
  const p = parts(ts, timeZone, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return `${p.day} ${p.month} ${p.hour}:${p.minute}:${p.second}`;
}

/** `13:01`. */
const clock = (ts: number, timeZone: string) => shortTime(ts, timeZone).slice(-8, -3);

function stamp(ts: number, timeZone: string): string {
  const p = parts(ts, timeZone, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  return `${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

export function titlePage(w: Writer, m: ReportModel): void {
  const { cfg, period } = m;
  w.font('regular', 8.5, MUTED).doc.text(cfg.preparedBy ? `${cfg.preparedBy.toUpperCase()}  ·  ${m.kind === 'requested' ? 'REPORT RUN ON REQUEST' : 'SCHEDULED REPORT'}` : (m.kind === 'requested' ? 'REPORT RUN ON REQUEST' : 'SCHEDULED REPORT'), PAGE.left, w.y, { width: CONTENT_WIDTH, lineBreak: false, characterSpacing: 0.6 });
  w.y += 16;
  w.paragraph(cfg.title, { font: 'bold', size: 19, gap: 3 });
  if (cfg.site) w.paragraph(cfg.site, { size: 13, gap: 6 });
  w.paragraph(periodTitle(period), { font: 'bold', size: 12, gap: 10 });
  w.facts([
    ['Period', periodSpan(period)],
    ['Prepared for', cfg.preparedFor],
    ['Prepared by', cfg.preparedBy],
    ['Generated', `${stamp(m.asOf, period.timeZone)}${m.requestedBy ? `, on request of ${m.requestedBy}` : ', on schedule'}; alerts as recorded by then`],
    ['Distribution', [...cfg.to, ...cfg.cc.map((a) => `${a} (cc)`)].join(', ') || 'stored on the server only'],
    ['Report', m.reportId],
  ]);
  w.y += 4;
  w.rule(w.y);
  w.y += 6;
}

export function summary(w: Writer, m: ReportModel): void {
  w.heading('Summary', 120);
  if (!hasData(m)) {
    w.paragraph('No data: no readings were received from any sensor during this period. The completeness section lists the sensors expected; the alerts of the period are documented below.', { font: 'bold', size: 9.5, color: LEVEL_COLORS.warning, gap: 8 });
  }
  const a = m.alertSummary;
  const all = m.quantities.flatMap((q) => q.series);
  const share = completeness(all);
  const above = m.quantities.reduce((n, q) => n + exceedanceWindows(q), 0);
  const invalid = all.reduce((n, s) => n + s.invalid, 0) + m.invalidOther.reduce((n, r) => n + r.n, 0);
  const dead = all.reduce((n, s) => n + s.deadLettered, 0) + m.deadLetteredOther;
  w.tiles([
    { value: `${a.fired} alert${a.fired === 1 ? '' : 's'}`, label: `fired in the period${a.carriedOver ? `, ${a.carriedOver} open from before` : ''}; ${a.open} open at the end`, color: a.open ? LEVEL_COLORS.warning : INK },
    { value: formatNumber(above, 0), label: 'windows above a limit, while it applied', color: above ? LEVEL_COLORS.warning : INK },
    { value: percent(share), label: 'data completeness: readings received of those expected', color: share !== null && share < 0.95 ? LEVEL_COLORS.warning : INK },
    { value: formatNumber(invalid + dead, 0), label: `readings set aside: ${invalid} invalid, ${dead} dead-lettered`, color: invalid + dead ? LEVEL_COLORS.warning : INK },
  ]);
  w.table(
    [{ header: 'Quantity', width: 18 }, { header: 'Sensors', width: 7, align: 'right' }, { header: 'Mean', width: 11, align: 'right' },
      { header: 'Highest (sensor, time)', width: 25 }, { header: 'Windows above a limit', width: 12, align: 'right' },
      { header: 'Alerts fired', width: 9, align: 'right' }, { header: 'Complete', width: 10, align: 'right' }],
    m.quantities.map((q) => {
      const unit = { unit: q.config.unit, decimals: q.config.decimals };
      const alerts = m.alerts.filter((r) => !r.carriedOver && q.series.some((s) => s.sensor === r.sensor)).length;
      return [
        quantityLabel(q.config), String(q.series.length), `${formatValue(q.mean, unit)}${q.config.average === 'energy' && q.mean !== null ? ' (energy)' : ''}`,
        q.max === null ? '–' : `${formatValue(q.max, unit)}, ${q.maxSensor}, ${shortTime(q.maxAt!, m.period.timeZone)}`,
        { text: formatNumber(exceedanceWindows(q), 0), color: exceedanceWindows(q) ? LEVEL_COLORS.warning : INK }, String(alerts), percent(completeness(q.series)),
      ];
    }),
  );
}

export function charts(w: Writer, m: ReportModel): void {
  w.heading('Charts', 210);
  w.paragraph(`Each line is one sensor's ${m.quantities.length > 1 ? 'windows' : 'windows'} over the period (${m.period.timeZone}); dashed lines are the limits, drawn over the hours they apply. Colours, limit lines and scales are those of the dashboards.`, { size: 8, color: MUTED, gap: 8 });
  for (const q of m.quantities) drawChart(w, q, m.period);
}

function alertCells(r: AlertRow, timeZone: string): (Cell | string)[] {
  const at = (t: number) => shortTime(t, timeZone);
  const ack = r.acknowledged ? `${at(r.acknowledged.at)} by ${r.acknowledged.by ?? '?'}${r.acknowledged.note ? `: “${r.acknowledged.note}”` : ''}` : { text: 'not acknowledged', color: LEVEL_COLORS.warning };
  const res = r.resolved
    ? `${at(r.resolved.at)} ${r.resolved.by === null ? `automatically${r.resolved.value !== null ? ` (value ${formatNumber(r.resolved.value, 2)})` : ''}` : `by ${r.resolved.by}`}${r.resolved.note ? `: “${r.resolved.note}”` : ''}`
    : { text: 'open', color: LEVEL_COLORS.critical, bold: true };
  return [
    { text: `${r.sensor}\n${r.ruleId}`, bold: false },
    { text: r.severity, color: severityColor(r.severity), bold: true },
    `${at(r.firedAt)}${r.carriedOver ? '\n(before the period)' : ''}${r.value !== null ? `\nvalue ${formatNumber(r.value, 2)}` : ''}`,
    ack, res, `${formatDuration(r.durationMs)}${r.resolved ? '' : ' so far'}`, r.message,
  ];
}

export function alerts(w: Writer, m: ReportModel): void {
  w.heading('Alerts', 90);
  const a = m.alertSummary;
  const severities = Object.entries(a.bySeverity).map(([s, n]) => `${n} ${s}`).join(', ');
  w.paragraph(`${a.fired} fired in the period${a.carriedOver ? ` and ${a.carriedOver} still open from before it` : ''}${severities ? ` (${severities})` : ''}; `
    + `${a.acknowledged} acknowledged${a.meanToAcknowledgeMs !== null ? ` (on average ${formatDuration(a.meanToAcknowledgeMs)} after firing)` : ''}, `
    + `${a.resolved} resolved, ${a.open} open at ${shortTime(m.asOf, m.period.timeZone)}. Each alert's life cycle as recorded: who acknowledged and resolved it, when, and their notes.`, { size: 8.5, gap: 6 });
  w.table(
    [{ header: 'Sensor / rule', width: 12 }, { header: 'Severity', width: 8 }, { header: 'Fired', width: 14.5 }, { header: 'Acknowledged', width: 19 },
      { header: 'Resolved', width: 19 }, { header: 'Duration', width: 9 }, { header: 'Message', width: 18.5 }],
    m.alerts.map((r) => alertCells(r, m.period.timeZone)),
    { empty: 'No alert was open at any moment of the period.' },
  );
}

export function exceedances(w: Writer, m: ReportModel): void {
  w.heading('Exceedances per sensor', 80);
  w.paragraph('Windows whose value was above a limit while the limit applied; the longest run of consecutive windows above it, and the highest value.', { size: 8, color: MUTED, gap: 6 });
  for (const q of m.quantities) {
    if (q.config.limits.length === 0) continue;
    w.subheading(quantityLabel(q.config));
    const unit = { unit: q.config.unit, decimals: q.config.decimals };
    const rows = q.series.flatMap((s) => s.limits.map((l) => [
      s.sensor, { text: limitLabel(l.limit, q.config.unit), color: LEVEL_COLORS[l.limit.level] },
      { text: formatNumber(l.windows, 0), color: l.windows ? LEVEL_COLORS[l.limit.level] : INK }, durationText(l.durationMs),
      l.longest ? `${durationText(l.longest.to - l.longest.from)} from ${shortTime(l.longest.from, m.period.timeZone)}` : '–',
      l.peak === null ? '–' : `${formatValue(l.peak, unit)} at ${shortTime(l.peakAt!, m.period.timeZone)}`,
    ]));
    w.table([{ header: 'Sensor', width: 13 }, { header: 'Limit', width: 20 }, { header: 'Windows above', width: 9, align: 'right' },
      { header: 'Time above', width: 9, align: 'right' }, { header: 'Longest', width: 24 }, { header: 'Highest above', width: 25 }], rows, { empty: 'No sensor reported.' });
  }
}

export function topValues(w: Writer, m: ReportModel): void {
  if (m.cfg.topK === 0) return;
  w.heading(`Highest values (top ${m.cfg.topK})`, 80);
  for (const q of m.quantities) {
    w.subheading(quantityLabel(q.config));
    const unit = { unit: q.config.unit, decimals: q.config.decimals };
    w.table([{ header: '#', width: 5, align: 'right' }, { header: 'Sensor', width: 20 }, { header: 'Window', width: 30 }, { header: 'Value', width: 15, align: 'right' },
      { header: 'Above', width: 30 }],
    q.top.map((t, i) => {
      const above = q.config.limits.filter((l) => t.value > l.value).map((l) => limitLabel(l, q.config.unit));
      return [String(i + 1), t.sensor, `${shortTime(t.from, m.period.timeZone)} – ${shortTime(t.to, m.period.timeZone).slice(-8)}`, formatValue(t.value, unit), above.join('; ') || '–'];
    }), { empty: 'No values in the period.' });
  }
}

export function dataCompleteness(w: Writer, m: ReportModel): void {
  w.heading('Data completeness', 90);
  w.paragraph(`Readings received (the rows' counts) against those expected at each quantity's reading interval over the period; missing time is the part of the period no window covers, and stretches of at least ${m.cfg.gapMinutes} min are listed as gaps. Invalid readings are those the flow's checks refused (as wired into this report); dead-lettered ones are the flow's dead letters naming the sensor.`, { size: 8, color: MUTED, gap: 6 });
  const rows = m.quantities.flatMap((q) => q.series.map((s) => {
    const share = s.expectedReadings ? s.readings / s.expectedReadings : null;
    const gaps = s.gaps.length === 0 ? '–' : `${s.gaps.length}: ${s.gaps.slice(0, 3).map((g) => `${clock(g.from, m.period.timeZone)}–${clock(g.to, m.period.timeZone)} (${formatDuration(g.to - g.from)})`).join(', ')}${s.gaps.length > 3 ? ', …' : ''}`;
    return [
      s.sensor, quantityLabel(q.config), formatNumber(s.expectedReadings, 0), formatNumber(s.readings, 0),
      { text: percent(share), color: share !== null && share < 0.95 ? LEVEL_COLORS.warning : INK, bold: share !== null && share < 0.95 },
      durationText(s.missingMs), gaps, formatNumber(s.invalid, 0), formatNumber(s.deadLettered, 0),
    ];
  }));
  w.table([{ header: 'Sensor', width: 11 }, { header: 'Quantity', width: 15 }, { header: 'Expected', width: 9, align: 'right' }, { header: 'Received', width: 9, align: 'right' },
    { header: 'Complete', width: 9, align: 'right' }, { header: 'Missing', width: 10, align: 'right' }, { header: 'Gaps', width: 23 },
    { header: 'Invalid', width: 7, align: 'right' }, { header: 'Dead-letters', width: 9, align: 'right' }], rows, { empty: 'No sensor reported or was expected.' });
  const other = m.invalidOther.reduce((n, r) => n + r.n, 0);
  if (other || m.deadLetteredOther) {
    w.paragraph(`Not attributable to a sensor: ${other} invalid readings (unreadable rows), ${m.deadLetteredOther} dead-lettered records.`, { size: 8.5 });
  }
  if (m.invalidReasons.length) {
    w.subheading('Most frequent reasons readings were refused', 30);
    w.table([{ header: 'Reason', width: 85 }, { header: 'Readings', width: 15, align: 'right' }], m.invalidReasons.map((r) => [r.reason, formatNumber(r.n, 0)]));
  }
}

export function method(w: Writer, m: ReportModel): void {
  w.heading('Method and notes', 120);
  const lines = [
    `Times are ${m.period.timeZone} local time (${periodSpan(m.period)}); the period runs from local midnight to local midnight, so a day of a daylight-saving change has 23 or 25 hours.`,
    ...m.quantities.map((q) => `${quantityLabel(q.config)}: the value of each window is its "${q.config.field}"; the mean is ${q.config.average === 'energy' ? 'energy-averaged (10·log10 of the time-weighted mean of 10^(L/10)), as levels in decibels must be' : 'weighted by the readings of each window'}; one reading is expected every ${formatDuration(q.config.readingEveryMs)} per sensor.${q.config.limits.length ? ` Limits: ${q.config.limits.map((l) => `${limitLabel(l, q.config.unit)}${l.from ? ` (${l.from}–${l.to})` : ''}`).join('; ')}.` : ''}`),
    `Sensors listed are those with data in the period or the ${KNOWN_SENSOR_LOOKBACK_MS / 86_400_000} days before it, and those configured as expected: a sensor that fell silent appears at 0 %. The overall completeness counts each sensor at most complete.`,
    `Alerts are those of the flow open at any moment of the period, with their acknowledgements and resolutions as recorded up to ${shortTime(m.asOf, m.period.timeZone)}; later actions appear in the next report. Charts keep, for each of ${CHART_COLUMNS} columns, the first, last, lowest and highest window (M4), so no peak is lost.`,
    'This document is stored on the Sluice server under the report identifier in its footer; a copy sent again is the same file, byte for byte.',
  ];
  for (const l of lines) w.paragraph(l, { size: 8.5, gap: 4 });
  if (m.cfg.notes) {
    w.y += 4;
    w.paragraph(m.cfg.notes, { size: 8.5 });
  }
}
