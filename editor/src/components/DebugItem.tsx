import { memo, useState } from 'react';
import { formatTime, preview, safeJson } from '../format';
import type { DebugEntry } from '../types';

/** One debug message: a one-line preview, expanded to formatted JSON on click. */
export const DebugItem = memo(function DebugItem({ entry, label }: { entry: DebugEntry; label: string }) {
  const [open, setOpen] = useState(false);
  return (
    <li className={`sl-debug-item${open ? ' sl-open' : ''}`} data-testid="debug-entry" data-node={entry.nodeId} data-seq={entry.seq}>
      <button type="button" className="sl-debug-summary" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="sl-debug-meta">
          <time dateTime={new Date(entry.at).toISOString()}>{formatTime(entry.at)}</time>
          <span className="sl-debug-node" title={entry.nodeId}>{label}</span>
        </span>
        {open ? null : <code className="sl-debug-preview">{preview(entry.value)}</code>}
      </button>
      {open ? <pre className="sl-debug-json">{safeJson(entry.value, 2)}</pre> : null}
    </li>
  );
});
