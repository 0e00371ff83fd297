import type { ClusterFlowRuntime } from '../runtime/cluster-runtime.js';
import type { ClusterView } from '../runtime/api-types.js';
import type { Cluster } from './cluster.js';

export type { ClusterView };

/** Servers, partitions with their owners, lease ages and lag, as this server sees the cluster. */
export async function clusterView(cluster: Cluster, flows: ClusterFlowRuntime[]): Promise<ClusterView> {
  const names = cluster.link.names;
  const leases = new Map(cluster.leases.view().map((l) => [l.key, l]));
  const partitions: ClusterView['partitions'] = [];
  const singletons: ClusterView['singletons'] = [];
  for (const rt of flows) {
    const flowId = rt.flow.doc.id;
    const heads = rt.journal.stageHeads();
    const here = new Map(rt.owned().map((f) => [`${f.stage}.${f.partition}`, f.duplicatesDropped]));
    for (const stage of rt.flow.plan.stages) {
      if (stage.nodes.length === 0) continue;
      for (let p = 0; p < stage.partitions; p++) {
        const key = names.partitionKey(flowId, stage.index, p);
        const lease = leases.get(key);
        const checkpoint = cluster.link.connected ? await cluster.stores.checkpoints.offset(key).catch(() => 0) : 0;
        const head = heads[stage.index] ?? 0;
        partitions.push({
          flow: flowId, stage: stage.index, partition: p, owner: lease?.owner ?? null, leaseAgeMs: lease?.ageMs ?? null,
          checkpoint, head, lag: Math.max(0, head - checkpoint), replicas: rt.journal.replicas,
          ...(here.has(`${stage.index}.${p}`) ? { duplicatesDropped: here.get(`${stage.index}.${p}`)! } : {}),
        });
      }
    }
    for (const [id, node] of rt.flow.nodes) {
      const d = node.node.definition;
      if (d.category !== 'source' || d.clusterMode === 'every-server') continue;
      const lease = leases.get(names.sourceKey(flowId, id));
      singletons.push({ flow: flowId, node: id, owner: lease?.owner ?? null, leaseAgeMs: lease?.ageMs ?? null });
    }
  }
  return {
    name: cluster.name, server: cluster.serverId, connected: cluster.link.connected, natsServers: cluster.link.natsServers,
    lease: { renewMs: cluster.timing.renewMs, ttlMs: cluster.timing.ttlMs },
    servers: cluster.membership.members().map((m) => ({ id: m.id, url: m.info.url, lastSeenMs: m.lastSeenMs, self: m.self })),
    partitions, singletons,
  };
}
