import { useEffect, useState } from 'react';
import { useEditorStore } from '../store';

/** The dashboard pages of each running flow (flow id → pages), fetched again when a flow is (re)deployed. */
export function useDashboardPages(): Map<string, string[]> {
  const [pages, setPages] = useState(new Map<string, string[]>());
  const deployed = useEditorStore((s) => s.flows.map((f) => `${f.id}:${f.deployedRevision}:${f.state}`).join(','));
  useEffect(() => {
    const abort = new AbortController();
    fetch('/api/dashboards', { credentials: 'same-origin', headers: { accept: 'application/json' }, signal: abort.signal })
      .then(async (res) => {
        if (!res.ok) return;
        const byFlow = new Map<string, string[]>();
        for (const p of (await res.json()) as { page: string; flows: string[] }[]) {
          for (const f of p.flows) byFlow.set(f, [...(byFlow.get(f) ?? []), p.page]);
        }
        setPages(byFlow);
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) console.warn('dashboard pages not loaded', err);
      });
    return () => abort.abort();
  }, [deployed]);
  return pages;
}
