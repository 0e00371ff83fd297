import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FlowStatus } from '../../runtime/api.js';
import { packageVersion } from '../../cli/package-root.js';
import { serverMetrics } from '../metrics.js';
import { ClusterMetrics } from '../cluster-metrics.js';
import { withErrors } from '../schemas.js';
import '../decorators.js';

/** Liveness for load balancers and the Prometheus scrape endpoint. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const metrics = serverMetrics(packageVersion());
  let clusterMetrics: ClusterMetrics | undefined;

  app.get('/health', {
    config: { access: 'public' },
    schema: {
      tags: ['operations'], summary: 'Liveness',
      response: withErrors({ 200: Type.Object({ status: Type.Literal('ok'), flows: Type.Integer() }) }),
    },
  }, async () => ({ status: 'ok' as const, flows: app.runtime.listFlows().length }));

  app.get('/metrics', {
    config: { access: 'viewer' },
    schema: {
      tags: ['operations'], summary: 'Process, Node.js, per-flow and per-node metrics, Prometheus text format 0.0.4',
      response: withErrors({ 200: Type.String() }),
    },
  }, async (_request, reply) => {
    const statuses = app.runtime.listFlows()
      .map((f) => app.runtime.status(f.id))
      .filter((s): s is FlowStatus => s !== undefined);
    metrics.flows.update(statuses);
    const cluster = await app.runtime.clusterView();
    if (cluster) {
      clusterMetrics ??= new ClusterMetrics(metrics.registry);
      clusterMetrics.update(cluster);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};
