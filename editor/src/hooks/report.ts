import { useEditorStore } from '../store';

/** Shows a failed request in the header; an aborted one is a view that moved on, not a failure. */
export function reportLoadError(err: unknown): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  const message = err instanceof Error ? err.message : String(err);
  useEditorStore.getState().setLoadError(message);
}
