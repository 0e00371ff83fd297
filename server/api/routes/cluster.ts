import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { withErrors } from '../schemas.js';
import '../decorators.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ClusterViewSchema = Type.Union([
  Type.Object({ mode: Type.Literal('single') }),
  Type.Object({
    mode: Type.Literal('cluster'),
    name: Type.String(),
    server: Type.String({ description: 'The id of the server that answered.' }),
    connected: Type.Boolean({ description: 'Whether this server reaches NATS now.' }),
    natsServers: Type.Integer(),
    lease: Type.Object({ renewMs: Type.Integer(), ttlMs: Type.Integer() }),
    servers: Type.Array(Type.Object({ id: Type.String(), url: Type.String(), lastSeenMs: Type.Integer(), self: Type.Boolean() })),
    partitions: Type.Array(Type.Object({
      flow: Type.String(), stage: Type.Integer(), partition: Type.Integer(), owner: Type.Union([Type.String(), Type.Null()]),
      leaseAgeMs: Nullable(Type.Integer({ description: 'Time since the lease was last renewed, as this server saw it.' })),
      checkpoint: Type.Number(), head: Type.Number(), lag: Type.Number({ description: 'Journal entries after the checkpoint.' }), replicas: Type.Integer(),
      duplicatesDropped: Type.Optional(Type.Integer({ description: 'On the partition\'s owner: source appends found stored twice under one message id (a failed JetStream dedupe) and taken once, since this server took the partition.' })),
    })),
    singletons: Type.Array(Type.Object({
      flow: Type.String(), node: Type.String(), owner: Type.Union([Type.String(), Type.Null()]), leaseAgeMs: Nullable(Type.Integer()),
    })),
  }),
]);

/** Cluster mode: the servers, and who owns which partition, with lease age and lag. */
export const clusterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/cluster', {
    config: { access: 'viewer' },
    schema: {
      tags: ['operations'], summary: 'Servers of the cluster, partitions with their owners, lease ages, lag and replicas',
      response: withErrors({ 200: ClusterViewSchema }),
    },
  }, async () => {
    const view = await app.runtime.clusterView();
    return view ? { mode: 'cluster' as const, ...view } : { mode: 'single' as const };
  });
};
