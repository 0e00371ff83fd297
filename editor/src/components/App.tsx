import { useCatalogAndFlows, useFlowStatus, useShownFlow } from '../hooks/useServerData';
import { useFlowSelection } from '../hooks/useFlowSelection';
import { useLiveFeed } from '../hooks/useLiveFeed';
import { DebugSidebar } from './DebugSidebar';
import { FlowCanvas } from './FlowCanvas';
import { FlowTabs } from './FlowTabs';
import { Header } from './Header';

export function App() {
  useCatalogAndFlows();
  useFlowSelection();
  useShownFlow();
  useFlowStatus();
  useLiveFeed();
  return (
    <div className="sl-app">
      <Header />
      <FlowTabs />
      <main className="sl-main">
        <FlowCanvas />
        <DebugSidebar />
      </main>
    </div>
  );
}
