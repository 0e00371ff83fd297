import { useEditorStore } from '../store';

/** Who else has this flow open; their selections are outlined in their colour on the canvas. */
export function Presence() {
  const peers = useEditorStore((s) => s.peers);
  const collab = useEditorStore((s) => s.collab);
  return (
    <div className="sl-presence" data-testid="presence" title={collab === 'synced' ? 'Shared draft in sync' : `Shared draft: ${collab}`}>
      <span className={`sl-dot sl-collab-${collab}`} aria-hidden="true" />
      {peers.map((p) => <span key={p.clientId} className="sl-peer" style={{ background: p.colour }} title={p.name}>{p.name}</span>)}
    </div>
  );
}
