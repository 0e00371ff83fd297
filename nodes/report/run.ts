import { PermanentError } from '../../server/core/failure.js';
import type { ReportDocument } from '../../server/core/services.js';
import type { DataRecord, NodeContext } from '../../server/core/types.js';
import { alertRows, summarizeAlerts } from './alert-rows.js';
import type { ReportConfig } from './config.js';
import type { ReportDataStore } from './data-store.js';
import { deliver, messageIdOf, targetsOf } from './deliver.js';
import { computeFigures, type QuantityFigures } from './figures.js';
import type { RunRequest } from './ingest.js';
import { mailText, subject, summaryFigures, type ReportModel } from './model.js';
import { createHash } from 'node:crypto';
import { periodOfKey, previousPeriod, type Period } from './period.js';
import { renderReport } from './pdf/render.js';

/** A run that found its edition stored already renders nothing: it delivers what was stored. */
export interface RunOutcome {
  document: ReportDocument;
  rendered: boolean;
  delivered: string[];
}

/**
 * One run of a report: find the edition's stored document or render and store it, then deliver it where it
 * is still owed. The document is stored (fsynced) before the first byte goes out, so whatever happens after,
 * every delivery of the edition carries the same bytes.
 */
export class ReportRunner {
  constructor(private readonly cfg: ReportConfig, private readonly ctx: NodeContext, private readonly store: ReportDataStore) {}

  periodOf(run: RunRequest): Period {
    const period = run.periodKey
      ? periodOfKey(this.cfg.period, run.periodKey, this.cfg.timeZone)
      : previousPeriod(this.cfg.period, run.scheduledAt ?? run.at, this.cfg.timeZone);
    if (!period) throw new PermanentError(`"${run.periodKey}" is not a ${this.cfg.period} of this report`);
    return period;
  }

  editionOf(run: RunRequest, period: Period): string {
    return run.kind === 'scheduled' ? period.key : `${period.key}-run${run.requestId}`;
  }

  async run(run: RunRequest, offset: number): Promise<RunOutcome> {
    const { flowId, nodeId } = this.ctx;
    const reports = this.ctx.services.reports;
    const period = this.periodOf(run);
    const edition = this.editionOf(run, period);
    let document = reports.document(flowId, nodeId, edition);
    const rendered = !document;
    if (!document) {
      const model = await this.model(run, period, edition, offset);
      const { pdf, pages } = await renderReport(model);
      // The mail's text is stored with the PDF: a mail sent again after a crash says exactly what the first said.
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      document = reports.store({
        flowId, nodeId, edition, periodKey: period.key, periodFrom: period.from, periodTo: period.to, timeZone: period.timeZone,
        kind: run.kind, requestedBy: run.requestedBy ?? null, title: subject(model), asOf: run.at, pages, mailText: mailText(model, pages, sha256),
        messageId: messageIdOf(this.cfg, flowId, nodeId, edition), summary: summaryFigures(model), targets: targetsOf(this.cfg),
      }, pdf);
    }
    const delivered = await deliver(this.cfg, reports, {
      document, pdf: reports.pdf(document.id), subject: document.title, text: document.mailText, downloadName: `${flowId}-${nodeId}-${edition}.pdf`,
    }, this.ctx.signal);
    return { document: reports.document(flowId, nodeId, edition)!, rendered, delivered };
  }

  async model(run: RunRequest, period: Period, edition: string, offset: number): Promise<ReportModel> {
    this.store.commit();
    const quantities = computeFigures({ cfg: this.cfg, store: this.store, period });
    const alerts = alertRows(this.ctx.services.alerts.during({ flow: this.ctx.flowId, from: period.from, to: period.to }), period.from, run.at, this.cfg.alertNodes);
    const setAside = await this.setAside(quantities, period, run.at, offset);
    return {
      cfg: this.cfg, period, asOf: run.at, reportId: `${this.ctx.flowId}/${this.ctx.nodeId}/${edition}`, kind: run.kind,
      requestedBy: run.requestedBy ?? null, quantities, alerts, alertSummary: summarizeAlerts(alerts), ...setAside,
    };
  }

  /** Attaches invalid and dead-lettered counts to the sensors they name; the rest is "not attributable". */
  private async setAside(quantities: QuantityFigures[], period: Period, asOf: number, offset: number) {
    const series = new Map<string, QuantityFigures['series'][number]>();
    const bySensor = new Map<string, QuantityFigures['series'][number]>();
    for (const q of quantities) {
      for (const s of q.series) {
        series.set(`${q.config.id}\u0000${s.sensor}`, s);
        if (!bySensor.has(s.sensor)) bySensor.set(s.sensor, s);
      }
    }
    const find = (sensor: string | null, quantity: string | null) => (sensor === null ? undefined : (quantity !== null ? series.get(`${quantity}\u0000${sensor}`) : undefined) ?? bySensor.get(sensor));
    const invalidOther: { reason: string; n: number }[] = [];
    const reasons = new Map<string, number>();
    for (const c of this.store.invalidCounts(period.from, period.to, offset)) {
      reasons.set(c.reason, (reasons.get(c.reason) ?? 0) + c.n);
      const s = find(c.sensor, c.quantity);
      if (s) s.invalid += c.n;
      else invalidOther.push({ reason: c.reason, n: c.n });
    }
    let deadLetteredOther = 0;
    for await (const letter of this.ctx.services.reports.deadLetters(this.ctx.flowId, asOf)) {
      if (letter.nodeId === this.ctx.nodeId) continue;
      for (const kept of letter.records) {
        // Records set aside by a port other than `error` are kept as emitted: `{ record, reason }`.
        const r = (kept.record !== null && typeof kept.record === 'object' ? kept.record : kept) as DataRecord;
        const t = typeof r[this.cfg.timeField] === 'number' ? r[this.cfg.timeField] as number : typeof r.ts === 'number' ? r.ts : letter.createdAt;
        if (t < period.from || t >= period.to) continue;
        const sensor = r[this.cfg.sensorField];
        const quantity = this.cfg.quantityField ? r[this.cfg.quantityField] : null;
        const s = find(typeof sensor === 'string' ? sensor : null, typeof quantity === 'string' ? quantity : null);
        if (s) s.deadLettered++;
        else deadLetteredOther++;
      }
    }
    const invalidReasons = [...reasons].map(([reason, n]) => ({ reason, n })).sort((a, b) => b.n - a.n || a.reason.localeCompare(b.reason)).slice(0, 10);
    return { invalidOther, invalidReasons, deadLetteredOther };
  }

  /** The record the node sends on `out` for a delivered document. */
  static record(outcome: RunOutcome): DataRecord {
    const d = outcome.document;
    return {
      report: `${d.flowId}/${d.nodeId}/${d.edition}`, period: d.periodKey, from: d.periodFrom, to: d.periodTo, documentId: d.id,
      sha256: d.sha256, pages: d.pages, messageId: d.messageId, deliveredTo: outcome.delivered, at: d.asOf,
    };
  }
}
