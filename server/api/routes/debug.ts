import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { flowNotFound } from '../errors.js';
import { FlowParams, withErrors } from '../schemas.js';
import '../decorators.js';

export const DebugMessageSchema = Type.Object({
  flowId: Type.String(),
  nodeId: Type.String(),
  at: Type.Number(),
  value: Type.Unknown(),
});

/** The recent debug messages a flow kept, for an editor that opens after they were sent. */
export const debugRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/flows/:id/debug', {
    config: { access: { scope: 'flow' } },
    schema: { tags: ['status'], summary: 'Recent debug messages of the flow', params: FlowParams, response: withErrors({ 200: Type.Array(DebugMessageSchema) }) },
  }, async (request) => {
    if (!app.runtime.getDraft(request.params.id)) throw flowNotFound(request.params.id);
    return app.runtime.debugMessages(request.params.id);
  });
};
