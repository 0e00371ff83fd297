import { flowHref } from '../hooks/useFlowSelection';
import { useEditorStore } from '../store';

export function FlowTabs() {
  const flows = useEditorStore((s) => s.flows);
  const selected = useEditorStore((s) => s.selectedFlowId);
  if (flows.length === 0) return <nav className="sl-tabs sl-tabs-empty">No flows yet: create one with New flow, or deploy one with <code>npx sluice deploy FILE</code>.</nav>;
  return (
    <nav className="sl-tabs" role="tablist" aria-label="Flows">
      {flows.map((f) => (
        <a
          key={f.id}
          href={flowHref(f.id)}
          role="tab"
          aria-selected={f.id === selected}
          className={`sl-tab${f.id === selected ? ' sl-tab-active' : ''}`}
          title={`${f.id} — ${f.state}`}
        >
          <span className={`sl-dot sl-flow-${f.state}`} aria-hidden="true" />
          {f.name || f.id}
        </a>
      ))}
    </nav>
  );
}
