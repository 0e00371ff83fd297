import { useMemo } from 'react';
import { visibleEntries } from '../debug-log';
import { formatCount } from '../format';
import { useEditorStore } from '../store';
import { DebugItem } from './DebugItem';

export function DebugSidebar() {
  const debug = useEditorStore((s) => s.debug);
  const nodes = useEditorStore((s) => s.nodes);
  const { setDebugFilter, setDebugPaused, clearDebug } = useEditorStore.getState();
  const labels = useMemo(() => new Map(nodes.map((n) => [n.id, n.data.label])), [nodes]);
  // Newest first: what just happened is what a person watching a flow looks for.
  const visible = useMemo(() => visibleEntries(debug).slice().reverse(), [debug]);

  return (
    <aside className="sl-debug" aria-label="Debug messages">
      <div className="sl-debug-head">
        <h2>Debug</h2>
        <span className="sl-muted" data-testid="debug-count">{formatCount(visible.length)} shown</span>
      </div>
      <div className="sl-debug-tools">
        <select
          aria-label="Filter by node"
          value={debug.filter ?? ''}
          onChange={(e) => setDebugFilter(e.target.value === '' ? null : e.target.value)}
        >
          <option value="">All nodes</option>
          {nodes.map((n) => <option key={n.id} value={n.id}>{n.data.label}</option>)}
        </select>
        <button type="button" onClick={() => setDebugPaused(!debug.paused)} aria-pressed={debug.paused}>
          {debug.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={clearDebug}>Clear</button>
      </div>
      {debug.paused ? <p className="sl-notice">Paused · {formatCount(debug.held.length)} new messages waiting</p> : null}
      {debug.dropped > 0 ? (
        <p className="sl-notice sl-warn" title="The server sends at most 20 debug messages per second to each browser">
          {formatCount(debug.dropped)} messages skipped by the server's rate limit
        </p>
      ) : null}
      {visible.length === 0 ? (
        <p className="sl-empty">{debug.filter === null ? 'No debug messages yet.' : 'No messages from this node yet.'}</p>
      ) : (
        <ol className="sl-debug-list" data-testid="debug-list">
          {visible.map((e) => <DebugItem key={e.seq} entry={e} label={labels.get(e.nodeId) ?? e.nodeId} />)}
        </ol>
      )}
    </aside>
  );
}
