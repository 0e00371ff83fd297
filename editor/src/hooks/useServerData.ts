import { useEffect } from 'react';
import { api, HttpError } from '../api';
import { useEditorStore } from '../store';
import type { FlowDocument, ShownRevision } from '../types';
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

/**
 * The selected flow's document: the deployed revision (what runs, what the counters describe), or the
 * draft when the flow was never deployed. Reloaded when a deploy changes the revision.
 */
export function useShownFlow(): void {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const catalogLoaded = useEditorStore((s) => s.catalog !== null);
  const deployed = useEditorStore((s) => s.status?.deployedRevision ?? summaryOf(s.flows, s.selectedFlowId)?.deployedRevision ?? null);
  const draft = useEditorStore((s) => summaryOf(s.flows, s.selectedFlowId)?.draftRevision ?? null);
  // A new draft matters only while no revision is deployed.
  const draftKey = deployed === null ? draft : null;

  useEffect(() => {
    if (flowId === null || !catalogLoaded) return;
    const abort = new AbortController();
    loadRevision(flowId, deployed, abort.signal)
      .then(({ shown, doc }) => useEditorStore.getState().showFlow(shown, doc), reportLoadError);
    return () => abort.abort();
  }, [flowId, catalogLoaded, deployed, draftKey]);
}

async function loadRevision(flowId: string, deployed: number | null, signal: AbortSignal): Promise<{ shown: ShownRevision; doc: FlowDocument }> {
  if (deployed !== null) {
    try {
      const doc = await api.deployedDocument(flowId, signal);
      return { shown: { flowId, source: 'deployed', revision: deployed }, doc };
    } catch (err) {
      // Undeployed since the summary was read: the draft is what there is to show.
      if (!(err instanceof HttpError && err.status === 404)) throw err;
    }
  }
  const draft = await api.draft(flowId, signal);
  return { shown: { flowId, source: 'draft', revision: draft.revision }, doc: draft.doc };
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

function summaryOf<T extends { id: string }>(flows: T[], id: string | null): T | undefined {
  return id === null ? undefined : flows.find((f) => f.id === id);
}
