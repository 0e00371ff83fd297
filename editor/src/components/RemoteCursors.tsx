import { useViewport, ViewportPortal } from '@xyflow/react';
import { useEditorStore } from '../store';

/**
 * The pointers of the others editing this flow, in their colour with their name. Positions are flow
 * coordinates, so a cursor points at the same node whatever each person's zoom; the arrow keeps its size.
 */
export function RemoteCursors() {
  const peers = useEditorStore((s) => s.peers);
  const { zoom } = useViewport();
  return (
    <ViewportPortal>
      {peers.map((p) => p.cursor ? (
        <div
          key={p.clientId} className="sl-cursor" data-testid="peer-cursor" data-name={p.name} data-x={p.cursor.x} data-y={p.cursor.y}
          style={{ transform: `translate(${p.cursor.x}px, ${p.cursor.y}px) scale(${1 / zoom})`, color: p.colour }}
        >
          <svg width="16" height="18" viewBox="0 0 16 18" aria-hidden="true"><path d="M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z" fill="currentColor" stroke="#fff" strokeWidth="1.2" /></svg>
          <span style={{ background: p.colour }}>{p.name}</span>
        </div>
      ) : null)}
    </ViewportPortal>
  );
}
