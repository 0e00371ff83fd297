import { Fragment } from 'react';
import { useDashboardPages } from '../hooks/useDashboardPages';
import { flowHref } from '../hooks/useFlowSelection';
import { useEditorStore } from '../store';

export function FlowTabs() {
  const flows = useEditorStore((s) => s.flows);
  const selected = useEditorStore((s) => s.selectedFlowId);
  const dashboards = useDashboardPages();
  if (flows.length === 0) return <nav className="sl-tabs sl-tabs-empty">No flows yet: create one with New flow, or deploy one with <code>npx sluice deploy FILE</code>.</nav>;
  return (
    <nav className="sl-tabs" role="tablist" aria-label="Flows">
      {flows.map((f) => (
        <Fragment key={f.id}>
          <a
            href={flowHref(f.id)}
            role="tab"
            aria-selected={f.id === selected}
            className={`sl-tab${f.id === selected ? ' sl-tab-active' : ''}`}
            title={`${f.id} — ${f.state}`}
          >
            <span className={`sl-dot sl-flow-${f.state}`} aria-hidden="true" />
            {f.name || f.id}
          </a>
          {(dashboards.get(f.id) ?? []).map((page) => (
            <a key={page} className="sl-tab-dashboard" href={`/dashboards/${page}`} target="_blank" rel="noreferrer"
              title={`Dashboard ${page} (opens a new tab)`} data-testid="tab-dashboard">
              ◫ {page}
            </a>
          ))}
        </Fragment>
      ))}
    </nav>
  );
}
