import { useState } from 'react';
import { api } from '../api';
import { formatTime } from '../format';
import { useEditorStore } from '../store';
import { useCanEdit } from '../auth/session';
import { localUser } from '../user';
import type { Alert } from '../types';
import { usePolled } from './usePolled';

/** The flow's alerts, newest first: acknowledge a firing one, resolve by hand with a note. */
export function AlertsPanel() {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const { data, error, reload } = usePolled((signal) => api.alerts(flowId!, signal), 3000, flowId);
  return (
    <aside className="sl-debug" aria-label="Alerts" data-testid="alerts">
      {error ? <p className="sl-notice sl-warn" role="alert">{error}</p> : null}
      {data && data.length === 0 ? <p className="sl-empty">No alerts for this flow.</p> : null}
      <ol className="sl-debug-list">{data?.map((a) => <AlertItem key={a.id} alert={a} onChanged={reload} />)}</ol>
    </aside>
  );
}

function AlertItem({ alert, onChanged }: { alert: Alert; onChanged: () => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const edit = useCanEdit();
  const act = (action: typeof api.acknowledgeAlert) => action(alert.id, localUser().name, note).then(() => { setNote(''); setError(null); onChanged(); }, (err: unknown) => setError((err as Error).message));
  return (
    <li className={`sl-debug-item sl-alert-${alert.state}`} data-testid="alert">
      <div className="sl-debug-summary">
        <span className="sl-debug-meta">
          <time>{formatTime(alert.firedAt)}</time>
          <span className="sl-debug-node">{alert.sensor}</span>
          <span className={`sl-badge sl-severity-${alert.severity}`}>{alert.severity}</span>
          <span className={`sl-alert-state sl-alert-state-${alert.state}`} data-testid="alert-state">{stateText(alert)}</span>
        </span>
        <span className="sl-debug-preview">{alert.message}</span>
        {alert.acknowledgeNote ? <span className="sl-muted" data-testid="alert-note">acknowledged: “{alert.acknowledgeNote}”</span> : null}
        {alert.resolveNote ? <span className="sl-muted" data-testid="alert-note">resolved: “{alert.resolveNote}”</span> : null}
      </div>
      {alert.state !== 'resolved' && edit ? (
        <div className="sl-item-actions">
          <input type="text" aria-label="Note" placeholder="note" value={note} onChange={(e) => setNote(e.target.value)} />
          {alert.state === 'firing' ? <button type="button" className="sl-small" onClick={() => void act(api.acknowledgeAlert)}>Acknowledge</button> : null}
          <button type="button" className="sl-small" onClick={() => void act(api.resolveAlert)}>Resolve</button>
        </div>
      ) : null}
      {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
    </li>
  );
}

/** Who did what, in the words of the alert's state: the message itself was written when it fired. */
export function stateText(alert: Alert): string {
  const at = (ms: number | null | undefined) => (ms ? ` at ${formatTime(ms)}` : '');
  if (alert.state === 'acknowledged') return `acknowledged by ${alert.acknowledgedBy ?? 'someone'}${at(alert.acknowledgedAt)}`;
  if (alert.state === 'resolved') {
    const resolved = alert.resolution === 'manual' ? `resolved by ${alert.resolvedBy ?? 'someone'}${at(alert.resolvedAt)}` : `resolved automatically${at(alert.resolvedAt)}`;
    return alert.acknowledgedBy ? `${resolved}, acknowledged by ${alert.acknowledgedBy}` : resolved;
  }
  return 'firing';
}
