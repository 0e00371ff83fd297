import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireDocumentId } from '../document-id.js';
import { flowNotFound } from '../errors.js';
import { FlowDocumentBody, FlowParams, RevisionRef, withErrors } from '../schemas.js';
import '../decorators.js';

/** Deploy swaps a validated document in atomically; validate answers the same question without storing. */
export const deployRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;

  app.post('/api/flows/:id/deploy', {
    config: { access: 'editor' },
    schema: {
      tags: ['deploy'],
      summary: 'Validate and deploy the draft, or the document in the body (which then becomes the draft)',
      params: FlowParams,
      body: FlowDocumentBody,
      response: withErrors({ 200: RevisionRef }),
    },
  }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    if (body === undefined && !runtime.getDraft(id)) throw flowNotFound(id);
    requireDocumentId(body, id);
    const deployed = await runtime.deploy(id, body);
    request.audit('flow.deploy', id, { revision: deployed.revision });
    return { flowId: deployed.flowId, revision: deployed.revision };
  });

  app.post('/api/validate', {
    config: { access: 'viewer' },
    schema: {
      tags: ['deploy'], summary: 'Check a flow document as a deploy would, without storing it',
      body: FlowDocumentBody,
      response: withErrors({ 200: Type.Object({ ok: Type.Literal(true) }) }),
    },
  }, async (request, reply) => {
    const result = runtime.validate(request.body);
    if (result.ok) return { ok: true as const };
    return reply.code(400).send({ error: 'invalid-flow' as const, problems: result.problems });
  });
};
