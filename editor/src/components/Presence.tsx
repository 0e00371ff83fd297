import { useSession } from '../auth/session';
import { useEditorStore } from '../store';

/**
 * Who else has this flow open, one chip per login name (several tabs of one person are one person); this
 * person's own other tabs show as such. Their selections are outlined in their colour on the canvas.
 */
export function Presence() {
  const peers = useEditorStore((s) => s.peers);
  const collab = useEditorStore((s) => s.collab);
  const me = useSession()?.name;
  const people = new Map<string, { colour: string; tabs: number }>();
  for (const p of peers) people.set(p.name, { colour: p.colour, tabs: (people.get(p.name)?.tabs ?? 0) + 1 });
  return (
    <div className="sl-presence" data-testid="presence" title={collab === 'synced' ? 'Shared draft in sync' : `Shared draft: ${collab}`}>
      <span className={`sl-dot sl-collab-${collab}`} aria-hidden="true" />
      {[...people].map(([name, { colour, tabs }]) => (
        <span key={name} className="sl-peer" style={{ background: colour }} data-name={name}
          title={name === me ? `you, in ${tabs === 1 ? 'another tab' : `${tabs} other tabs`}` : `${name}${tabs > 1 ? ` (${tabs} tabs)` : ''}`}>
          {name === me ? `${name} (other tab)` : name}
        </span>
      ))}
    </div>
  );
}
