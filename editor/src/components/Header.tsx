import { formatBytes, formatCount } from '../format';
import { useEditorStore } from '../store';
import type { FlowStatus, FlowSummary } from '../types';
import { UserMenu } from '../auth/SessionGate';
import { ClusterBadge } from './ClusterBadge';
import { ConnectionIndicator } from './ConnectionIndicator';

export function Header() {
  const status = useEditorStore((s) => s.status);
  const summary = useEditorStore((s) => s.flows.find((f) => f.id === s.selectedFlowId));
  const name = summary?.name;
  const loadError = useEditorStore((s) => s.loadError);

  return (
    <header className="sl-header">
      <div className="sl-brand"><span className="sl-logo" aria-hidden="true" />Sluice</div>
      <div className="sl-flow-title">
        <h1>{name ?? 'Flows'}</h1>
        {status ? <span className={`sl-pill sl-flow-${status.state}`} data-testid="flow-state">{status.state.replace('-', ' ')}</span> : null}
        {summary ? <span className="sl-muted" data-testid="flow-revision">{revisionText(summary, status)}</span> : null}
        {status?.error ? <span className="sl-flow-error" title={status.error}>{status.error}</span> : null}
      </div>
      {status ? <Figures status={status} /> : <div className="sl-figures" />}
      <ClusterBadge />
      {loadError ? <div className="sl-load-error" role="alert" title={loadError}>{loadError}</div> : null}
      <ConnectionIndicator />
      <a className="sl-docs-link" href="/dashboards/" target="_blank" rel="noreferrer">Dashboards</a>
      <a className="sl-docs-link" href="/api/docs" target="_blank" rel="noreferrer">API docs</a>
      <UserMenu />
    </header>
  );
}

function revisionText(summary: FlowSummary, status: FlowStatus | null): string {
  const deployed = status?.deployedRevision ?? summary.deployedRevision;
  if (deployed === null) return `draft revision ${summary.draftRevision}`;
  return `revision ${deployed} deployed${summary.draftRevision !== deployed ? ` · draft revision ${summary.draftRevision}` : ''}`;
}

function Figures({ status }: { status: FlowStatus }) {
  const j = status.journal;
  return (
    <dl className="sl-figures" data-testid="journal-figures">
      {j ? (
        <>
          <Figure label="journal head" value={formatCount(j.head)} />
          <Figure label="checkpoint" value={formatCount(j.checkpoint)} />
          <Figure label="backlog" value={formatBytes(j.backlogBytes)} title={`${formatBytes(j.backlogBytes)} of the ${formatBytes(j.quotaBytes)} quota`} />
        </>
      ) : null}
      <Figure
        label="dead letters"
        value={formatCount(status.deadLetters)}
        warn={status.deadLetters > 0}
        title={`pending dead letters: GET /api/flows/${status.id}/dead-letters`}
      />
    </dl>
  );
}

function Figure({ label, value, title, warn }: { label: string; value: string; title?: string; warn?: boolean }) {
  return (
    <div className={`sl-figure${warn ? ' sl-warn' : ''}`} title={title}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
