import { useState } from 'react';
import { api } from '../api';
import { useCanEdit } from '../auth/session';
import { formatTime, safeJson } from '../format';
import { useEditorStore } from '../store';
import type { DeadLetter } from '../types';
import { usePolled } from './usePolled';

/** Records that failed after their last retry: inspect, replay into the node that failed, or discard. */
export function DeadLettersPanel() {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const { data, error, reload } = usePolled((signal) => api.deadLetters(flowId!, signal), 3000, flowId);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = (action: () => Promise<unknown>) => action().then(() => { setActionError(null); reload(); }, (err: unknown) => setActionError((err as Error).message));
  return (
    <aside className="sl-debug" aria-label="Dead letters" data-testid="dead-letters">
      {error || actionError ? <p className="sl-notice sl-warn" role="alert">{actionError ?? error}</p> : null}
      {data && data.length === 0 ? <p className="sl-empty">No pending dead letters.</p> : null}
      <ol className="sl-debug-list">
        {data?.map((dl) => (
          <DeadLetterItem key={dl.id} dl={dl}
            onReplay={() => act(() => api.replayDeadLetter(flowId!, dl.id))}
            onDiscard={() => act(() => api.discardDeadLetter(flowId!, dl.id))} />
        ))}
      </ol>
    </aside>
  );
}

function DeadLetterItem({ dl, onReplay, onDiscard }: { dl: DeadLetter; onReplay: () => void; onDiscard: () => void }) {
  const [open, setOpen] = useState(false);
  const edit = useCanEdit();
  return (
    <li className="sl-debug-item" data-testid="dead-letter">
      <button type="button" className="sl-debug-summary" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="sl-debug-meta">
          <time>{formatTime(dl.createdAt)}</time>
          <span className="sl-debug-node">{dl.nodeId}</span>
          <span>{dl.records.length} records · {dl.attempts} attempts</span>
        </span>
        <span className="sl-debug-preview sl-error-text">{dl.error}</span>
      </button>
      {open ? <pre className="sl-debug-json">{safeJson(dl.records, 2)}</pre> : null}
      {edit ? (
        <div className="sl-item-actions">
          <button type="button" className="sl-small" onClick={onReplay}>Replay</button>
          <button type="button" className="sl-small" onClick={onDiscard}>Discard</button>
        </div>
      ) : null}
    </li>
  );
}
