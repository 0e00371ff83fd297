import { useViewport, ViewportPortal } from '@xyflow/react';
import { useEditorStore } from '../store';

/**
 * The pointers of the others editing this flow, in their colour with their name. Positions are flow
 * coordinates, so a cursor points at the same node whatever each person's zoom; the arrow keeps its size.
 */
export function RemoteCursors() {
  const cursors = useEditorStore((s) => s.cursors);
  const { zoom } = useViewport();
  return (
    <ViewportPortal>
      {cursors.map((c) => (
        <div
          key={c.clientId} className="sl-cursor" data-testid="peer-cursor" data-name={c.name} data-x={c.x} data-y={c.y}
          style={{ transform: `translate(${c.x}px, ${c.y}px) scale(${1 / zoom})`, color: c.colour }}
        >
          <svg width="16" height="18" viewBox="0 0 16 18" aria-hidden="true"><path d="M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z" fill="currentColor" stroke="#fff" strokeWidth="1.2" /></svg>
          <span style={{ background: c.colour }}>{c.name}</span>
        </div>
      ))}
    </ViewportPortal>
  );
}
