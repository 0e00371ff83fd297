import { setRetry } from '../collab/edits';
import { editableSession } from '../store';
import type { CatalogEntry, FlowNodeDoc, Problem } from '../types';

type Retry = NonNullable<FlowNodeDoc['retry']>;
type Key = keyof CatalogEntry['retry'];

const FIELDS: { key: Key; label: string; unit: string; step: number }[] = [
  { key: 'maxAttempts', label: 'Attempts', unit: '', step: 1 },
  { key: 'backoffMs', label: 'First backoff', unit: 'ms', step: 1 },
  { key: 'maxBackoffMs', label: 'Backoff cap', unit: 'ms', step: 1 },
  { key: 'jitter', label: 'Jitter', unit: '0–1', step: 0.05 },
];

/** The node's retry policy: empty fields keep the node type's defaults, shown as placeholders. */
export function RetryEditor({ node, defaults, problems }: { node: FlowNodeDoc; defaults: CatalogEntry['retry']; problems: Problem[] }) {
  const retry: Retry = node.retry ?? {};
  const set = (key: Key, text: string) => {
    const next: Retry = { ...retry };
    if (text === '') delete next[key];
    else next[key] = Number(text);
    const session = editableSession();
    if (session) setRetry(session, node.id, next);
  };
  const retryProblems = problems.filter((p) => /^\/nodes\/\d+\/retry/.test(p.path));
  return (
    <fieldset className="sl-fieldset sl-retry" data-testid="retry-editor">
      <legend>Retry policy</legend>
      <p className="sl-field-help">A failing batch is retried with exponential backoff; after the last attempt it goes to the error port or the dead letters.</p>
      <div className="sl-retry-grid">
        {FIELDS.map((f) => (
          <label key={f.key} className="sl-retry-field">
            <span>{f.label}</span>
            <span className="sl-field-input">
              <input type="number" step={f.step} min={0} value={retry[f.key] ?? ''} placeholder={String(defaults[f.key])} onChange={(e) => set(f.key, e.target.value)} />
              {f.unit ? <span className="sl-unit">{f.unit}</span> : null}
            </span>
          </label>
        ))}
      </div>
      {retryProblems.map((p, i) => <p key={i} className="sl-field-error" role="alert">{p.path.replace(/^\/nodes\/\d+\/retry\/?/, '')}: {p.message}</p>)}
    </fieldset>
  );
}
