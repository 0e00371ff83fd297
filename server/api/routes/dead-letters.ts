import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { FlowParams, Records, withErrors } from '../schemas.js';
import '../decorators.js';

const DeadLetterState = Type.Union([Type.Literal('pending'), Type.Literal('replayed'), Type.Literal('discarded')]);

const DeadLetterSchema = Type.Object({
  id: Type.Integer(),
  nodeId: Type.String(),
  offset: Type.Number({ description: 'Journal offset of the batch the records belonged to.' }),
  error: Type.String(),
  attempts: Type.Integer(),
  createdAt: Type.Number(),
  state: DeadLetterState,
  records: Records,
});

const DeadLetterParams = Type.Object({ id: FlowParams.properties.id, dlId: Type.Integer({ minimum: 1 }) });

/** Records that failed after their last retry: listed, replayed into the failing node, or discarded. */
export const deadLetterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;

  app.get('/api/flows/:id/dead-letters', {
    config: { access: 'viewer' },
    schema: {
      tags: ['dead letters'], summary: 'Dead letters, oldest first, paged by afterId',
      params: FlowParams,
      querystring: Type.Object({
        state: Type.Optional(DeadLetterState),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
        afterId: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      response: withErrors({ 200: Type.Array(DeadLetterSchema) }),
    },
  }, async (request) => {
    const { state, limit, afterId } = request.query;
    return runtime.deadLetters(request.params.id, { state, limit: limit ?? 100, afterId });
  });

  app.post('/api/flows/:id/dead-letters/:dlId/replay', {
    config: { access: 'editor' },
    schema: {
      tags: ['dead letters'], summary: 'Journal a replay of the records into the node that failed',
      params: DeadLetterParams,
      response: withErrors({ 202: Type.Object({ flowId: Type.String(), deadLetterId: Type.Integer(), state: Type.Literal('replayed') }) }),
    },
  }, async (request, reply) => {
    await runtime.replayDeadLetter(request.params.id, request.params.dlId);
    request.audit('dead-letter.replay', `${request.params.id}/${request.params.dlId}`);
    return reply.code(202).send({ flowId: request.params.id, deadLetterId: request.params.dlId, state: 'replayed' as const });
  });

  app.delete('/api/flows/:id/dead-letters/:dlId', {
    config: { access: 'editor' },
    schema: { tags: ['dead letters'], summary: 'Discard a dead letter (kept, marked discarded)', params: DeadLetterParams, response: withErrors({ 204: Type.Null() }) },
  }, async (request, reply) => {
    await runtime.discardDeadLetter(request.params.id, request.params.dlId);
    request.audit('dead-letter.discard', `${request.params.id}/${request.params.dlId}`);
    return reply.code(204).send(null);
  });
};
