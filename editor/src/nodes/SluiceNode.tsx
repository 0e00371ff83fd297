import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { Markdown } from '../components/Markdown';
import { formatCount } from '../format';
import { currentStatus, useEditorStore } from '../store';
import type { NodeCounters, SluiceFlowNode } from '../types';
import { PortRows } from './PortRows';
import { StatusBadge } from './StatusBadge';

const CATEGORIES = new Set(['source', 'process', 'sink']);

/**
 * A node of the flow. The document part arrives as `data`; live figures are read from the store by
 * node id, so a counters tick re-renders the nodes without rebuilding React Flow's node list.
 */
function SluiceNodeView({ id, data }: NodeProps<SluiceFlowNode>) {
  const counters = useEditorStore((s) => s.counters[id]);
  const live = useEditorStore((s) => s.liveStatus[id]);
  const status = currentStatus(counters, live);
  const problems = useEditorStore((s) => s.problems);
  const peers = useEditorStore((s) => s.peers);
  const mine = problems.filter((p) => p.nodeId === id);
  const watchers = peers.filter((p) => p.selection.includes(id));
  const category = CATEGORIES.has(data.category) ? data.category : 'other';
  if (data.note) return <NoteView label={data.label} note={data.note} invalid={mine.length > 0} />;

  return (
    <div
      className={`sl-node sl-cat-${category}${mine.length ? ' sl-node-invalid' : ''}`} data-testid="flow-node"
      style={watchers.length ? { boxShadow: `0 0 0 3px ${watchers[0]!.colour}` } : undefined}
    >
      {watchers.length ? (
        <div className="sl-node-peers" data-testid="node-peers">
          {watchers.map((w) => <span key={w.clientId} style={{ background: w.colour }}>{w.name}</span>)}
        </div>
      ) : null}
      <div className="sl-node-title" title={data.label}>{data.label}</div>
      <div className="sl-node-sub">
        <span className="sl-node-type-line" title={status?.text ?? data.type}>
          <span className="sl-node-type">{data.type}</span>
          {status?.text ? <span className="sl-node-status-text">{status.text}</span> : null}
        </span>
        <StatusBadge status={status} />
      </div>
      <PortRows inputs={data.inputs} outputs={data.outputs} counters={counters} />
      {mine.length ? (
        <ul className="sl-node-problems" data-testid="node-problems">
          {mine.map((p, i) => <li key={i} title={p.path}>{problemText(p.path, p.message)}</li>)}
        </ul>
      ) : null}
      {counters ? <Health counters={counters} showLag={data.inputs.length > 0} /> : null}
    </div>
  );
}

/** A note of the canvas: text only, no ports; sized when it frames nodes (an imported Node-RED group). */
function NoteView({ label, note, invalid }: { label: string; note: NonNullable<SluiceFlowNode['data']['note']>; invalid: boolean }) {
  const framed = note.width !== undefined;
  return (
    <div
      className={`sl-note${framed ? ' sl-note-frame' : ''}${invalid ? ' sl-node-invalid' : ''}`} data-testid="flow-note"
      style={framed ? { width: note.width, height: note.height } : undefined}
    >
      {note.text ? <Markdown source={note.text} /> : <em>{label}</em>}
    </div>
  );
}

/** Lag is measured when a node receives a batch, so it means nothing for a source. */
function Health({ counters, showLag }: { counters: NodeCounters; showLag: boolean }) {
  const failing = counters.errors > 0;
  return (
    <div className={`sl-node-health${failing ? ' sl-failing' : ''}`} title={counters.lastError ? `last error: ${counters.lastError.message}` : undefined}>
      <span data-testid="errors">{formatCount(counters.errors)} errors</span>
      {counters.retries > 0 ? <span>{formatCount(counters.retries)} retries</span> : null}
      {showLag ? <span>lag {formatCount(counters.lagMs)} ms</span> : null}
    </div>
  );
}

/** `/nodes/3/config/rate` → `rate: must be ≥ 0`: the node is already known, the field is what helps. */
function problemText(path: string, message: string): string {
  const field = path.replace(/^\/nodes\/\d+\/?/, '').replace(/^config\//, '');
  return field ? `${field}: ${message}` : message;
}

export const SluiceNode = memo(SluiceNodeView);
