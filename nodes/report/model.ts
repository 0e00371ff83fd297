import { formatDuration, formatNumber, formatValue } from '../dashboard/look.js';
import type { AlertRow, AlertSummary } from './alert-rows.js';
import { quantityLabel, type ReportConfig } from './config.js';
import type { QuantityFigures, SeriesFigures } from './figures.js';
import { periodTitle, type Period } from './period.js';

/** Everything a report document says, computed before anything is drawn: the PDF and the mail read it alike. */
export interface ReportModel {
  cfg: ReportConfig;
  period: Period;
  /** The moment the report describes (the journaled tick or request that ran it): its "generated" time. */
  asOf: number;
  /** `flow/node/edition`: printed on every page, so a printed copy names its stored original. */
  reportId: string;
  kind: 'scheduled' | 'requested';
  requestedBy: string | null;
  quantities: QuantityFigures[];
  alerts: AlertRow[];
  alertSummary: AlertSummary;
  /** Invalid readings no reported sensor could be named for (unreadable rows), by reason. */
  invalidOther: { reason: string; n: number }[];
  invalidReasons: { reason: string; n: number }[];
  /** Dead letters in the period whose records name no reported sensor. */
  deadLetteredOther: number;
}

export const hasData = (m: ReportModel): boolean => m.quantities.some((q) => q.series.some((s) => s.windows > 0));

/** Readings over expected, each sensor counted at most complete, so one that reports too often hides no gap of another. */
export function completeness(series: readonly SeriesFigures[]): number | null {
  const expected = series.reduce((n, s) => n + s.expectedReadings, 0);
  if (expected === 0) return null;
  return series.reduce((n, s) => n + Math.min(s.readings, s.expectedReadings), 0) / expected;
}

export function exceedanceWindows(q: QuantityFigures): number {
  return q.series.reduce((n, s) => n + s.aboveAny, 0);
}

export const percent = (share: number | null): string => (share === null ? '–' : `${formatNumber(share * 100, share < 1 && share > 0.999 ? 2 : 1)} %`);

export function subject(m: ReportModel): string {
  const base = m.cfg.subject || `${m.cfg.title}${m.cfg.site ? `: ${m.cfg.site}` : ''}, ${periodTitle(m.period)}`;
  return m.kind === 'requested' ? `${base} (run on request)` : base;
}

/** Key figures stored with the document, for lists (the Reports view, GET /api/reports). */
export function summaryFigures(m: ReportModel): { [name: string]: number | string | null } {
  const all = m.quantities.flatMap((q) => q.series);
  return {
    alerts: m.alertSummary.fired, carriedOver: m.alertSummary.carriedOver, open: m.alertSummary.open,
    exceedanceWindows: m.quantities.reduce((n, q) => n + exceedanceWindows(q), 0),
    completeness: completeness(all), sensors: all.length, noData: hasData(m) ? 0 : 1,
  };
}

/** The mail's text: what the PDF's first page says, for a reader who does not open the attachment. */
export function mailText(m: ReportModel, pages: number, sha256: string): string {
  const a = m.alertSummary;
  const lines = [
    m.cfg.title, m.cfg.site, periodTitle(m.period), '',
    hasData(m) ? '' : 'NO DATA: no readings were received from any sensor during this period.\n',
    `Alerts: ${a.fired} fired in the period${a.carriedOver ? `, ${a.carriedOver} still open from before` : ''}; ${a.acknowledged} acknowledged, ${a.resolved} resolved, ${a.open} open.`,
    ...m.quantities.map((q) => {
      const unit = { unit: q.config.unit, decimals: q.config.decimals };
      return `${quantityLabel(q.config)}: mean ${formatValue(q.mean, unit)}, highest ${formatValue(q.max, unit)}${q.maxSensor ? ` (${q.maxSensor})` : ''}; `
        + `${exceedanceWindows(q)} windows above a limit; data ${percent(completeness(q.series))} complete.`;
    }),
    '',
    `The report is attached (PDF, ${pages} ${pages === 1 ? 'page' : 'pages'}, SHA-256 ${sha256}).`,
    `Report ${m.reportId}. Times are ${m.period.timeZone}.`,
  ];
  return `${lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n')}\n`;
}

export const durationText = (ms: number): string => (ms > 0 ? formatDuration(ms) : '–');
