import { useEditorStore } from '../store';

export function ConnectionIndicator() {
  const connection = useEditorStore((s) => s.connection);
  const retryInMs = useEditorStore((s) => s.retryInMs);
  const text = connection === 'open' ? 'live' : connection === 'connecting' ? 'connecting…' : 'disconnected';
  const title = connection === 'closed' && retryInMs !== null
    ? `The live feed closed; reconnecting in ${(retryInMs / 1000).toFixed(1)} s. Counters are polled meanwhile.`
    : 'WebSocket /api/ws';
  return (
    <div className={`sl-connection sl-connection-${connection}`} data-testid="connection" title={title}>
      <span className="sl-dot" aria-hidden="true" />
      {text}
    </div>
  );
}
