import type { ClusterView } from '../cluster/cluster-view.js';
import { escapeLabel } from './metrics.js';

/**
 * The cluster's figures in Prometheus text format, one family per metric, kept apart from the per-flow metrics
 * so they move to another metrics library as one piece.
 */
export function renderClusterMetrics(view: ClusterView): string {
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, samples: [{ [label: string]: string }, number][]) => {
    if (samples.length === 0) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      lines.push(`${name}${text ? `{${text}}` : ''} ${value}`);
    }
  };
  const self = { cluster: view.name, server: view.server };
  family('sluice_cluster_connected', 'gauge', 'Whether this server reaches NATS (1) or not (0).', [[self, view.connected ? 1 : 0]]);
  family('sluice_cluster_servers', 'gauge', 'Sluice servers this server sees alive.', [[self, view.servers.length]]);
  family('sluice_cluster_nats_servers', 'gauge', 'NATS servers of the cluster.', [[self, view.natsServers]]);
  const labels = (p: ClusterView['partitions'][number]) => ({ ...self, flow: p.flow, stage: String(p.stage), partition: String(p.partition) });
  family('sluice_partition_owned', 'gauge', 'Whether this server owns the partition (1) or not (0).', view.partitions.map((p) => [labels(p), p.owner === view.server ? 1 : 0]));
  family('sluice_partition_lease_age_seconds', 'gauge', 'Time since the partition\'s lease was renewed, as this server saw it.', view.partitions.filter((p) => p.leaseAgeMs !== null).map((p) => [labels(p), p.leaseAgeMs! / 1000]));
  family('sluice_partition_lag_entries', 'gauge', 'Journal entries of the stage after the partition\'s checkpoint.', view.partitions.map((p) => [labels(p), p.lag]));
  family('sluice_partition_checkpoint_offset', 'gauge', 'Stream sequence covered by the partition\'s checkpoint.', view.partitions.map((p) => [labels(p), p.checkpoint]));
  family('sluice_partition_replicas', 'gauge', 'Copies of the stage\'s stream JetStream keeps.', view.partitions.map((p) => [labels(p), p.replicas]));
  family('sluice_singleton_owned', 'gauge', 'Whether this server runs the singleton source (1) or not (0).', view.singletons.map((s) => [{ ...self, flow: s.flow, node: s.node }, s.owner === view.server ? 1 : 0]));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
