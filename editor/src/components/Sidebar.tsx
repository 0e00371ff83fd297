import { useEditorStore, type SidebarTab } from '../store';
import { AlertsPanel } from './AlertsPanel';
import { DeadLettersPanel } from './DeadLettersPanel';
import { DebugSidebar } from './DebugSidebar';
import { ReportsPanel } from './ReportsPanel';

const TABS: { id: SidebarTab; label: string }[] = [
  { id: 'debug', label: 'Debug' }, { id: 'dead-letters', label: 'Dead letters' }, { id: 'alerts', label: 'Alerts' }, { id: 'reports', label: 'Reports' },
];

export function Sidebar() {
  const tab = useEditorStore((s) => s.sidebar);
  const setTab = useEditorStore((s) => s.setSidebar);
  const pending = useEditorStore((s) => s.status?.deadLetters ?? 0);
  return (
    <div className="sl-sidebar">
      <div className="sl-sidebar-tabs" role="tablist" aria-label="Sidebar">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'sl-active' : ''} onClick={() => setTab(t.id)}>
            {t.label}{t.id === 'dead-letters' && pending > 0 ? <span className="sl-count-badge">{pending}</span> : null}
          </button>
        ))}
      </div>
      {tab === 'debug' ? <DebugSidebar /> : tab === 'dead-letters' ? <DeadLettersPanel /> : tab === 'alerts' ? <AlertsPanel /> : <ReportsPanel />}
    </div>
  );
}
