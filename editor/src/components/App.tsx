import { ReactFlowProvider } from '@xyflow/react';
import { useCanEdit } from '../auth/session';
import { useCatalogAndFlows, useFlowStatus } from '../hooks/useServerData';
import { useFlowSelection } from '../hooks/useFlowSelection';
import { useLiveFeed } from '../hooks/useLiveFeed';
import { useShortcuts } from '../hooks/useShortcuts';
import { useEditorStore } from '../store';
import { DeployDialog } from './DeployDialog';
import { ExportDialog } from './ExportDialog';
import { FlowCanvas } from './FlowCanvas';
import { FlowTabs } from './FlowTabs';
import { Header } from './Header';
import { ImportDialog } from './ImportDialog';
import { Palette } from './Palette';
import { PropertiesPanel } from './PropertiesPanel';
import { NewFlowDialog } from './NewFlowDialog';
import { Sidebar } from './Sidebar';
import { Toolbar } from './Toolbar';

export function App() {
  useCatalogAndFlows();
  useFlowSelection();
  useFlowStatus();
  useLiveFeed();
  useShortcuts();
  const dialog = useEditorStore((s) => s.dialog);
  const edit = useCanEdit();
  return (
    <ReactFlowProvider>
      <div className="sl-app">
        <Header />
        <FlowTabs />
        <Toolbar />
        <main className="sl-main">
          {edit ? <Palette /> : null}
          <FlowCanvas />
          <PropertiesPanel />
          <Sidebar />
        </main>
        {dialog === 'deploy' && edit ? <DeployDialog /> : dialog === 'import' && edit ? <ImportDialog /> : dialog === 'export' ? <ExportDialog />
          : dialog === 'new-flow' && edit ? <NewFlowDialog /> : null}
      </div>
    </ReactFlowProvider>
  );
}
