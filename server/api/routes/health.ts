import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FlowStatus } from '../../runtime/api.js';
import { renderClusterMetrics } from '../cluster-metrics.js';
import { renderMetrics } from '../metrics.js';
import { withErrors } from '../schemas.js';
import '../decorators.js';

/** Liveness for load balancers and the Prometheus scrape endpoint. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
      tags: ['operations'], summary: 'Per-flow and per-node metrics, Prometheus text format 0.0.4',
      response: withErrors({ 200: Type.String() }),
    },
  }, async (_request, reply) => {
    const statuses = app.runtime.listFlows()
      .map((f) => app.runtime.status(f.id))
      .filter((s): s is FlowStatus => s !== undefined);
    const cluster = await app.runtime.clusterView();
    const text = renderMetrics(statuses) + (cluster ? renderClusterMetrics(cluster) : '');
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
};
