import { useState } from 'react';
import { api } from '../../api';
import { formatTime, formatValue } from '../../../../nodes/dashboard/look';
import { useWidgetContext } from '../context';
import { useLiveQuery } from '../useLiveQuery';
import type { Alert, AlertsAnswer, WidgetInfo } from '../types';

/** The flow's alerts, newest first; editors acknowledge and resolve them here, viewers only read. */
export function AlertsWidget({ widget }: { widget: WidgetInfo }) {
  const { canAct } = useWidgetContext();
  const { data, error, reload } = useLiveQuery<AlertsAnswer>(widget, 'alerts');
  if (error) return <p className="sd-error" role="alert">{error}</p>;
  if (!data) return <p className="sd-empty">Loading…</p>;
  if (data.alerts.length === 0) return <p className="sd-empty" data-testid="alerts">No alerts.</p>;
  return (
    <ul className="sd-alerts" data-testid="alerts">
      {data.alerts.map((a) => <AlertRow key={a.id} alert={a} canAct={canAct} onDone={reload} />)}
    </ul>
  );
}

function AlertRow({ alert, canAct, onDone }: { alert: Alert; canAct: boolean; onDone(): void }) {
  const { viewerName } = useWidgetContext();
  const [acting, setActing] = useState<'acknowledge' | 'resolve' | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = async () => {
    try {
      if (acting === 'acknowledge') await api.acknowledgeAlert(alert.id, viewerName, note);
      else await api.resolveAlert(alert.id, viewerName, note);
      setActing(null);
      setNote('');
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <li className={`sd-alert sd-alert-${alert.state}`} data-testid="alert" data-state={alert.state} data-severity={alert.severity}>
      <div className="sd-alert-head">
        <span className={`sd-sev sd-sev-${alert.severity}`}>{alert.severity}</span>
        <span className="sd-alert-state">{alert.state}</span>
        <span className="sd-alert-time" title={new Date(alert.firedAt).toISOString()}>{formatTime(alert.firedAt)}</span>
      </div>
      <p className="sd-alert-message">{alert.message}</p>
      <p className="sd-alert-meta">
        {alert.sensor}{alert.value !== null ? ` · ${formatValue(alert.value)}` : ''}
        {alert.acknowledgedBy ? ` · acknowledged by ${alert.acknowledgedBy}${alert.acknowledgeNote ? `: ${alert.acknowledgeNote}` : ''}` : ''}
        {alert.resolvedAt ? ` · resolved ${alert.resolution === 'manual' ? `by ${alert.resolvedBy}` : 'automatically'}` : ''}
      </p>
      {canAct && alert.state !== 'resolved' ? (
        acting ? (
          <form className="sd-alert-act" onSubmit={(e) => { e.preventDefault(); void act(); }}>
            <input aria-label="Note" placeholder="Note (optional)" value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} autoFocus />
            <button type="submit" className="sl-primary sl-small">{acting === 'acknowledge' ? 'Acknowledge' : 'Resolve'}</button>
            <button type="button" className="sl-small" onClick={() => setActing(null)}>Cancel</button>
          </form>
        ) : (
          <div className="sd-alert-act">
            {alert.state === 'firing' ? <button type="button" className="sl-small" onClick={() => setActing('acknowledge')}>Acknowledge…</button> : null}
            <button type="button" className="sl-small" onClick={() => setActing('resolve')}>Resolve…</button>
          </div>
        )
      ) : null}
      {error ? <p className="sd-error" role="alert">{error}</p> : null}
    </li>
  );
}
