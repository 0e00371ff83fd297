import { useReactFlow } from '@xyflow/react';
import { useCallback } from 'react';
import { addNode } from '../collab/edits';
import { editableSession, useEditorStore } from '../store';

/** Adds a node of `type` at the centre of the visible canvas (or `at`, in screen coordinates) and selects it. */
export function useAddNode(): (type: string, at?: { x: number; y: number }) => void {
  const { screenToFlowPosition } = useReactFlow();
  return useCallback((type, at) => {
    const session = editableSession();
    if (!session) return;
    const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const screen = at ?? (rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: 300, y: 200 });
    const position = screenToFlowPosition(screen);
    const id = addNode(session, type, { x: position.x - 90, y: position.y - 30 });
    // The canvas is rebuilt from the shared document a task later; select the node once it is there.
    queueMicrotask(() => useEditorStore.getState().selectOnly([id]));
  }, [screenToFlowPosition]);
}
