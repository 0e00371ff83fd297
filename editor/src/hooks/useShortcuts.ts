import { useEffect } from 'react';
import { pasteNodes, removeElements } from '../collab/edits';
import { canEdit } from '../auth/session';
import { parsePortRef } from '../graph-ports';
import { editableSession, useEditorStore } from '../store';
import type { FlowDocument } from '../types';

const PASTE_OFFSET = { x: 40, y: 40 };

/** Where typing means text, shortcuts and clipboard handling stay out of the way. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/**
 * Editor shortcuts: Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo this tab's edits, Ctrl+A selects every
 * node, `/` searches the palette, Ctrl+Enter opens the deploy dialog. Copy, cut and paste carry the selected
 * nodes as flow JSON through the system clipboard, so they also work between tabs and into a text editor.
 */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const store = useEditorStore.getState();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key === 'Enter' && store.draft && canEdit()) {
        e.preventDefault();
        store.setDialog('deploy');
        return;
      }
      if (typing(e.target) || store.dialog) return;
      const session = editableSession();
      const key = e.key.toLowerCase();
      if (mod && key === 'z' && session) {
        e.preventDefault();
        if (e.shiftKey) session.undo.redo();
        else session.undo.undo();
      } else if (mod && key === 'y' && session) {
        e.preventDefault();
        session.undo.redo();
      } else if (mod && key === 'a') {
        e.preventDefault();
        store.selectOnly(store.nodes.map((n) => n.id));
      } else if (e.key === '/' && !mod) {
        e.preventDefault();
        document.querySelector<HTMLInputElement>('[data-testid="palette-search"]')?.focus();
      }
    };
    const onCopy = (e: ClipboardEvent) => {
      if (typing(e.target) || !e.clipboardData) return;
      const fragment = selectedFragment();
      if (!fragment) return;
      e.preventDefault();
      e.clipboardData.setData('text/plain', JSON.stringify(fragment, null, 2));
      const session = editableSession();
      if (e.type === 'cut' && session) removeElements(session, fragment.nodes.map((n) => n.id), []);
    };
    const onPaste = (e: ClipboardEvent) => {
      if (typing(e.target) || !e.clipboardData) return;
      const session = editableSession();
      const fragment = parseFragment(e.clipboardData.getData('text/plain'));
      if (!session || !fragment) return;
      e.preventDefault();
      const ids = pasteNodes(session, fragment, PASTE_OFFSET);
      queueMicrotask(() => useEditorStore.getState().selectOnly(ids));
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, []);
}

/** The selected nodes with the wires between them, as a flow document. */
function selectedFragment(): FlowDocument | null {
  const { nodes, draft } = useEditorStore.getState();
  if (!draft) return null;
  const ids = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
  if (ids.size === 0) return null;
  const positions = new Map(nodes.map((n) => [n.id, n.position]));
  return {
    sluice: 1, id: draft.id,
    nodes: draft.nodes.filter((n) => ids.has(n.id)).map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })),
    wires: draft.wires.filter((w) => ids.has(parsePortRef(w.from, 'out').node) && ids.has(parsePortRef(w.to, 'in').node)),
  };
}

function parseFragment(text: string): Pick<FlowDocument, 'nodes' | 'wires'> | null {
  try {
    const value = JSON.parse(text) as Partial<FlowDocument>;
    if (!Array.isArray(value.nodes) || !value.nodes.every((n) => typeof n?.id === 'string' && typeof n.type === 'string')) return null;
    return { nodes: value.nodes, wires: Array.isArray(value.wires) ? value.wires : [] };
  } catch (err) {
    console.info('pasted text is not a flow', (err as Error).message);
    return null;
  }
}
