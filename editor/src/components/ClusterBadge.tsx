import { api } from '../api';
import { useEditorStore } from '../store';
import { usePolled } from './usePolled';

/**
 * Cluster mode only: how many servers are alive, and for the open flow which server owns each partition, how old
 * its lease is and how far behind its checkpoint is. Hidden on a single server.
 */
export function ClusterBadge() {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const { data, error } = usePolled((signal) => api.cluster(signal), 2000, 'cluster');
  if (error || !data || data.mode !== 'cluster') return null;
  const parts = data.partitions.filter((p) => p.flow === flowId);
  const here = parts.filter((p) => p.owner === data.server).length;
  const unowned = parts.filter((p) => p.owner === null).length;
  const lag = parts.reduce((n, p) => n + p.lag, 0);
  const title = [
    `cluster "${data.name}", this server: ${data.server}${data.connected ? '' : ' (cut off from NATS)'}`,
    ...data.servers.map((s) => `server ${s.id}${s.self ? ' (this one)' : ''} ${s.url}, seen ${s.lastSeenMs} ms ago`),
    ...parts.map((p) => `stage ${p.stage} partition ${p.partition}: ${p.owner ?? 'no owner'}${p.leaseAgeMs === null ? '' : `, lease renewed ${p.leaseAgeMs} ms ago`}, lag ${p.lag} entries, replicas ${p.replicas}`),
  ].join('\n');
  const warn = !data.connected || unowned > 0;
  return (
    <div className={`sl-figure sl-cluster${warn ? ' sl-warn' : ''}`} title={title} data-testid="cluster-badge">
      <dt>cluster</dt>
      <dd>
        {data.connected ? `${data.servers.length} server${data.servers.length === 1 ? '' : 's'}` : 'cut off'}
        {parts.length > 0 ? ` · ${here}/${parts.length} here${unowned ? ` · ${unowned} unowned` : ''}${lag > 0 ? ` · lag ${lag}` : ''}` : ''}
      </dd>
    </div>
  );
}
