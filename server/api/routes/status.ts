import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SafeName } from '../../core/names.js';
import { flowNotFound, notFound } from '../errors.js';
import { FlowParams, FlowStateSchema, NodeStatusSchema, withErrors } from '../schemas.js';
import '../decorators.js';

const NodeCountersSchema = Type.Object({
  type: Type.String(),
  in: Type.Number({ description: 'Records received on the input.' }),
  out: Type.Record(Type.String(), Type.Number(), { description: 'Records emitted per output port.' }),
  errors: Type.Number(),
  retries: Type.Number(),
  lastError: Type.Union([Type.Object({ message: Type.String(), at: Type.Number() }), Type.Null()]),
  lagMs: Type.Number(),
  status: NodeStatusSchema,
});

const JournalStatsSchema = Type.Object({
  head: Type.Number(),
  checkpoint: Type.Number(),
  entries: Type.Number(),
  bytes: Type.Number(),
  backlogBytes: Type.Number(),
  quotaBytes: Type.Number(),
  oldestTs: Type.Union([Type.Number(), Type.Null()]),
  checkpointThreadError: Type.Union([Type.String(), Type.Null()], { description: 'Set when the journal copies its write-ahead log in the committing thread because the checkpoint thread failed.' }),
});

export const FlowStatusSchema = Type.Object({
  id: Type.String(),
  deployedRevision: Type.Union([Type.Integer(), Type.Null()]),
  state: FlowStateSchema,
  error: Type.Union([Type.String(), Type.Null()]),
  journal: Type.Union([JournalStatsSchema, Type.Null()]),
  deadLetters: Type.Number(),
  nodes: Type.Record(Type.String(), NodeCountersSchema),
  cluster: Type.Optional(Type.Object({
    server: Type.String({ description: 'This server\'s id in the cluster.' }),
    replicas: Type.Integer({ description: 'Copies of the journal JetStream keeps.' }),
    natsServers: Type.Integer(),
    warning: Type.Union([Type.String(), Type.Null()], { description: 'Set when the replicas in force cannot survive the loss of a machine.' }),
    stages: Type.Array(Type.Object({ stage: Type.Integer(), partitions: Type.Integer(), partitionBy: Type.Array(Type.String()) })),
    owned: Type.Array(Type.Object({ stage: Type.Integer(), partition: Type.Integer(), processed: Type.Number(), head: Type.Number() }), { description: 'Partitions this server runs now.' }),
  }, { description: 'Cluster mode only.' })),
});

/** Live state of a deployed flow: per-node counters, journal positions, one node's checkpointed state. */
export const statusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;

  app.get('/api/flows/:id/status', {
    config: { access: { scope: 'flow' } },
    schema: { tags: ['status'], summary: 'Flow state, journal positions and per-node counters', params: FlowParams, response: withErrors({ 200: FlowStatusSchema }) },
  }, async (request) => {
    const status = runtime.status(request.params.id);
    if (!status) throw flowNotFound(request.params.id);
    return status;
  });

  app.get('/api/flows/:id/nodes/:nodeId/state', {
    config: { access: 'viewer' },
    schema: {
      tags: ['status'], summary: 'The state of one node of the deployed flow (null for stateless nodes)',
      params: Type.Object({ id: FlowParams.properties.id, nodeId: SafeName({ description: 'The node id.' }) }),
      response: withErrors({ 200: Type.Object({ flowId: Type.String(), nodeId: Type.String(), state: Type.Unknown() }) }),
    },
  }, async (request) => {
    const { id, nodeId } = request.params;
    const deployed = runtime.getDeployed(id);
    if (!deployed) throw runtime.getDraft(id) ? notFound(`flow "${id}" is not deployed`) : flowNotFound(id);
    if (!deployed.doc.nodes.some((n) => n.id === nodeId)) throw notFound(`the deployed flow "${id}" has no node "${nodeId}"`);
    return { flowId: id, nodeId, state: runtime.nodeState(id, nodeId) ?? null };
  });
};

/** Node queries (`NodeInstance.queries`): read-only live views such as a top-k table or a histogram. */
export const nodeQueryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;
  app.get('/api/flows/:id/nodes/:nodeId/query/:name', {
    config: { access: { scope: 'flow' } },
    schema: {
      tags: ['status'], summary: "Runs a node's named read-only query; query-string parameters are passed to it",
      params: Type.Object({ id: FlowParams.properties.id, nodeId: Type.String({ minLength: 1, maxLength: 128 }), name: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Record(Type.String(), Type.String()),
      response: withErrors({ 200: Type.Object({ flowId: Type.String(), nodeId: Type.String(), query: Type.String(), result: Type.Unknown() }) }),
    },
  }, async (request) => {
    const { id, nodeId, name } = request.params;
    if (!runtime.getDeployed(id)) throw runtime.getDraft(id) ? notFound(`flow "${id}" is not deployed`) : flowNotFound(id);
    return { flowId: id, nodeId, query: name, result: runtime.queryNode(id, nodeId, name, request.query) ?? null };
  });
};
