import type { NodeStatus } from '../types';

type Tone = 'ok' | 'warn' | 'error' | 'idle';

/** The runtime's node states (server/core/types.ts NodeState) by how worried a person should be. */
const TONES: Record<string, Tone> = {
  running: 'ok', connected: 'ok', done: 'ok',
  retrying: 'warn', reconnecting: 'warn', refused: 'warn',
  error: 'error',
  idle: 'idle', stopped: 'idle',
};

/** Nothing before the first status: a draft that never ran has no state to show. */
export function StatusBadge({ status }: { status: NodeStatus | undefined }) {
  if (!status) return null;
  return (
    <span className={`sl-badge sl-tone-${TONES[status.state] ?? 'idle'}`} data-testid="node-status" title={status.text ?? status.state}>
      {status.state === 'retrying' && status.attempt ? `retrying (attempt ${status.attempt})` : status.state}
    </span>
  );
}
