import { useEffect } from 'react';
import { useEditorStore } from '../store';

/** The selected flow lives in the URL hash so a reload or a shared link opens the same tab on any static server. */
const HASH = /^#\/flows\/(.+)$/;

export function flowHref(flowId: string): string {
  return `#/flows/${encodeURIComponent(flowId)}`;
}

function flowFromHash(): string | null {
  const match = HASH.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]!) : null;
}

export function useFlowSelection(): void {
  const flows = useEditorStore((s) => s.flows);
  const selected = useEditorStore((s) => s.selectedFlowId);

  useEffect(() => {
    const onHash = () => useEditorStore.getState().selectFlow(flowFromHash());
    onHash();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // No flow named, or one that does not exist (deleted, mistyped link): fall back to the first tab.
  useEffect(() => {
    if (flows.length === 0 || flows.some((f) => f.id === selected)) return;
    const first = flows[0]!.id;
    window.history.replaceState(null, '', flowHref(first));
    useEditorStore.getState().selectFlow(first);
  }, [flows, selected]);
}
