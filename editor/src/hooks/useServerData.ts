import { useEffect } from 'react';
import { api } from '../api';
import { useEditorStore } from '../store';
import { reportLoadError } from './report';

const FLOWS_EVERY_MS = 5000;
const STATUS_EVERY_MS = 2000;

/** The catalog once, the list of flows on a timer so flows created elsewhere get a tab. */
export function useCatalogAndFlows(): void {
  useEffect(() => {
    const { setCatalog, setFlows } = useEditorStore.getState();
    const abort = new AbortController();
    api.catalog(abort.signal).then(setCatalog, reportLoadError);
    const loadFlows = () => api.flows(abort.signal).then(setFlows, reportLoadError);
    void loadFlows();
    const timer = window.setInterval(loadFlows, FLOWS_EVERY_MS);
    return () => {
      abort.abort();
      window.clearInterval(timer);
    };
  }, []);
}

/** Debug history once per flow (the socket brings what follows), and the flow's status on a timer. */
export function useFlowStatus(): void {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  useEffect(() => {
    if (flowId === null) return;
    const store = useEditorStore.getState();
    const abort = new AbortController();
    api.debug(flowId, abort.signal).then((messages) => store.loadDebugHistory(flowId, messages), reportLoadError);
    const poll = () => api.status(flowId, abort.signal).then(store.setStatus, reportLoadError);
    void poll();
    const timer = window.setInterval(poll, STATUS_EVERY_MS);
    return () => {
      abort.abort();
      window.clearInterval(timer);
    };
  }, [flowId]);
}

/** After this tab created, imported or deployed a flow: the tabs and states need not wait for the next poll. */
export function reloadFlows(): void {
  api.flows().then(useEditorStore.getState().setFlows, reportLoadError);
}
