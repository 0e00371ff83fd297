import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../errors.js';
import { nodeRedMessage, nodeRedNodes } from '../node-red.js';
import { ErrorBody, FlowDocumentBody, RevisionRef, withErrors } from '../schemas.js';
import '../decorators.js';

/** Import stores a document as a new draft revision; it never deploys. */
export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/import', {
    config: { access: 'editor' },
    schema: {
      tags: ['flows'],
      summary: 'Import a Sluice flow document as a draft (Node-RED exports are recognised and refused with 422)',
      body: Type.Unsafe<unknown>({ ...FlowDocumentBody, description: 'A Sluice flow document (format 1).' }),
      response: withErrors({ 201: RevisionRef, 422: ErrorBody }),
    },
  }, async (request, reply) => {
    const nodeRed = nodeRedNodes(request.body);
    if (nodeRed) throw new ApiError(422, 'node-red-import-unsupported', nodeRedMessage(nodeRed));
    const saved = app.runtime.saveDraft(request.body);
    return reply.code(201).send({ flowId: saved.flowId, revision: saved.revision });
  });
};
