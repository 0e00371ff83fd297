import { useEffect, useRef, type ReactNode } from 'react';
import { useEditorStore } from '../store';

/**
 * A dialog over the editor: Escape or the close button leave it, focus starts inside it. Without `onClose` it is
 * one of the editor's own dialogs (the store says which is open).
 */
export function Modal({ title, children, testId, onClose }: { title: string; children: ReactNode; testId: string; onClose?: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const close = onClose ?? (() => useEditorStore.getState().setDialog(null));
  useEffect(() => {
    const el = ref.current;
    (el?.querySelector<HTMLElement>('textarea:not([readonly]), button.sl-primary') ?? el?.querySelector<HTMLElement>('button'))?.focus();
  }, []);
  return (
    <div className="sl-modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) close(); }}>
      <div
        ref={ref} className="sl-modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testId}
        onKeyDown={(e) => { if (e.key === 'Escape') close(); }}
      >
        <header className="sl-modal-head">
          <h2>{title}</h2>
          <button type="button" className="sl-small" onClick={close} aria-label="Close">×</button>
        </header>
        {children}
      </div>
    </div>
  );
}
