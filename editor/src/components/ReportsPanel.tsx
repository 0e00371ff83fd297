import { useState } from 'react';
import { api } from '../api';
import { useCanEdit } from '../auth/session';
import { useEditorStore } from '../store';
import type { ReportDocument, ReportInfo } from '../types';
import { usePolled } from './usePolled';

/** The flow's report nodes and the documents they stored: download, delivery state, and "Run now". */
export function ReportsPanel() {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const { data, error, reload } = usePolled((signal) => api.reports(flowId!, signal), 3000, flowId);
  return (
    <aside className="sl-debug" aria-label="Reports" data-testid="reports">
      {error ? <p className="sl-notice sl-warn" role="alert">{error}</p> : null}
      {data && data.reports.length === 0 ? <p className="sl-empty">No report node in this flow is running. Add a <code>report</code> node and deploy.</p> : null}
      {data?.reports.map((r) => (
        <ReportCard key={r.nodeId} report={r} documents={data.documents.filter((d) => d.nodeId === r.nodeId)} onRun={reload} />
      ))}
    </aside>
  );
}

const PERIOD_HINT = { day: '2026-03-29', week: '2026-W13', month: '2026-03' } as const;

/** `2 Dec 2026, 07:00` in the viewer's zone (the report's own zone is named beside the schedule). */
const when = (t: number) => new Date(t).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

function ReportCard({ report, documents, onRun }: { report: ReportInfo; documents: ReportDocument[]; onRun: () => void }) {
  const edit = useCanEdit();
  const [period, setPeriod] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const run = () => api.runReport(report.flowId, report.nodeId, period.trim() || undefined).then(
    (r) => { setMessage({ text: `Requested ${r.period ?? 'the last complete period'}: it runs at the flow's next tick.`, error: false }); setPeriod(''); onRun(); },
    (err: unknown) => setMessage({ text: (err as Error).message, error: true }),
  );
  return (
    <section className="sl-report" data-testid="report">
      <header className="sl-report-head">
        <strong>{report.title}</strong>
        <span className="sl-muted">{report.site ? `${report.site} · ` : ''}node {report.name}</span>
        <span className="sl-muted">
          every <code>{report.schedule}</code> ({report.timeZone}), the previous {report.period}
          {report.nextRunAt ? <> · next {when(report.nextRunAt)}</> : null}
        </span>
        <span className="sl-muted">to {report.targets.length ? report.targets.map((t) => t.replace(/^mail:/, '')).join(', ') : 'nobody: stored only'}</span>
        {report.status.text ? <span className={`sl-report-status sl-state-${report.status.state}`} data-testid="report-status">{report.status.text}</span> : null}
      </header>
      {edit ? (
        <div className="sl-item-actions">
          <input type="text" aria-label="Period" placeholder={`period, e.g. ${PERIOD_HINT[report.period]} (empty: the last)`} value={period} onChange={(e) => setPeriod(e.target.value)} />
          <button type="button" className="sl-small" onClick={() => void run()}>Run now</button>
        </div>
      ) : null}
      {message ? <p className={message.error ? 'sl-field-error' : 'sl-muted'} role={message.error ? 'alert' : 'status'}>{message.text}</p> : null}
      {documents.length === 0 ? <p className="sl-empty">No document yet.</p> : null}
      <ol className="sl-debug-list">{documents.map((d) => <DocumentItem key={d.id} doc={d} />)}</ol>
    </section>
  );
}

function DocumentItem({ doc }: { doc: ReportDocument }) {
  const delivered = doc.deliveries.filter((d) => d.state === 'delivered').length;
  const failed = doc.deliveries.filter((d) => d.state === 'failed');
  const state = doc.deliveries.length === 0 ? 'stored' : delivered === doc.deliveries.length ? `sent to ${delivered}` : failed.length ? `${failed.length} failed` : 'sending';
  return (
    <li className="sl-debug-item" data-testid="report-document">
      <div className="sl-debug-summary">
        <span className="sl-debug-meta">
          <span className="sl-debug-node">{doc.periodKey}</span>
          <span>{doc.kind === 'requested' ? `on request of ${doc.requestedBy}` : 'scheduled'}</span>
          <time>{when(doc.asOf)}</time>
          <span className={`sl-report-state ${failed.length ? "sl-report-failed" : delivered === doc.deliveries.length ? "sl-report-sent" : "sl-report-pending"}`}>{state}</span>
        </span>
        <span className="sl-debug-preview">
          {doc.pages} pages · {Number(doc.summary.alerts ?? 0)} alerts · {doc.summary.noData ? 'no data' : `${doc.summary.completeness === null ? '–' : (Number(doc.summary.completeness) * 100).toFixed(1)} % complete`}
          {' · '}<a href={`/api/reports/${doc.id}/pdf`} download={`${doc.flowId}-${doc.nodeId}-${doc.fileName}`}>Download PDF</a>
        </span>
        {failed.map((d) => <span key={d.target} className="sl-error-text">{d.target.replace(/^mail:/, '')}: {d.detail}</span>)}
      </div>
    </li>
  );
}
