import { Gauge, type Registry } from 'prom-client';
import type { ClusterView } from '../cluster/cluster-view.js';

type Self = 'cluster' | 'server';
type Partition = Self | 'flow' | 'stage' | 'partition';

/**
 * The cluster's figures, set from the cluster view at each scrape (reset first, so a partition that moved away
 * or a flow deleted since the last scrape disappears). Registered only in cluster mode.
 */
export class ClusterMetrics {
  private readonly connected: Gauge<Self>;
  private readonly servers: Gauge<Self>;
  private readonly natsServers: Gauge<Self>;
  private readonly owned: Gauge<Partition>;
  private readonly leaseAge: Gauge<Partition>;
  private readonly lag: Gauge<Partition>;
  private readonly checkpoint: Gauge<Partition>;
  private readonly replicas: Gauge<Partition>;
  private readonly duplicates: Gauge<Partition>;
  private readonly singleton: Gauge<Self | 'flow' | 'node'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers });
    const self: Self[] = ['cluster', 'server'];
    const partition: Partition[] = [...self, 'flow', 'stage', 'partition'];
    this.connected = gauge('sluice_cluster_connected', 'Whether this server reaches NATS (1) or not (0).', self);
    this.servers = gauge('sluice_cluster_servers', 'Sluice servers this server sees alive.', self);
    this.natsServers = gauge('sluice_cluster_nats_servers', 'NATS servers of the cluster.', self);
    this.owned = gauge('sluice_partition_owned', 'Whether this server owns the partition (1) or not (0).', partition);
    this.leaseAge = gauge('sluice_partition_lease_age_seconds', 'Time since the partition\'s lease was renewed, as this server saw it.', partition);
    this.lag = gauge('sluice_partition_lag_entries', 'Journal entries of the stage after the partition\'s checkpoint.', partition);
    this.checkpoint = gauge('sluice_partition_checkpoint_offset', 'Stream sequence covered by the partition\'s checkpoint.', partition);
    this.replicas = gauge('sluice_partition_replicas', 'Copies of the stage\'s stream JetStream keeps.', partition);
    this.duplicates = gauge('sluice_partition_duplicates_dropped', 'Source appends the journal stored twice under one message id that the partition\'s reader took once, since this server took the partition (on its owner only).', partition);
    this.singleton = gauge('sluice_singleton_owned', 'Whether this server runs the singleton source (1) or not (0).', [...self, 'flow', 'node']);
  }

  update(view: ClusterView): void {
    for (const g of [this.connected, this.servers, this.natsServers, this.owned, this.leaseAge, this.lag, this.checkpoint, this.replicas, this.duplicates, this.singleton]) g.reset();
    const self = { cluster: view.name, server: view.server };
    this.connected.set(self, view.connected ? 1 : 0);
    this.servers.set(self, view.servers.length);
    this.natsServers.set(self, view.natsServers);
    for (const p of view.partitions) {
      const labels = { ...self, flow: p.flow, stage: String(p.stage), partition: String(p.partition) };
      this.owned.set(labels, p.owner === view.server ? 1 : 0);
      if (p.leaseAgeMs !== null) this.leaseAge.set(labels, p.leaseAgeMs / 1000);
      this.lag.set(labels, p.lag);
      this.checkpoint.set(labels, p.checkpoint);
      this.replicas.set(labels, p.replicas);
      if (p.duplicatesDropped !== undefined) this.duplicates.set(labels, p.duplicatesDropped);
    }
    for (const s of view.singletons) this.singleton.set({ ...self, flow: s.flow, node: s.node }, s.owner === view.server ? 1 : 0);
  }
}
