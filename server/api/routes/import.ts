import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { NodeRedExportError, nodeRedList, translateNodeRed } from '../../node-red/index.js';
import { ApiError } from '../errors.js';
import { ErrorBody, FlowDocumentBody, RevisionRef, withErrors } from '../schemas.js';
import '../decorators.js';

const ImportQuery = Type.Object({
  preview: Type.Optional(Type.Boolean({ description: 'Node-RED exports: answer the translation and its report (200) without saving anything.' })),
  tab: Type.Optional(Type.String({ maxLength: 256, description: 'Node-RED exports: import only this tab (its id or label).' })),
  flowId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$', description: 'Node-RED exports of one tab: the new flow\'s id.' })),
  name: Type.Optional(Type.String({ maxLength: 256, description: 'Node-RED exports: the label for nodes on no tab (e.g. the file name).' })),
}, { additionalProperties: false });

const Report = Type.Unsafe<unknown>({ type: 'object', additionalProperties: true, description: 'Per Node-RED node: translated, approximated or needs a hand, with notes; secrets to set; problems (see server/node-red/report.ts).' });
const Imported = Type.Object({
  flowId: Type.String({ description: 'The first (or only) flow made.' }),
  revision: Type.Integer(),
  flows: Type.Optional(Type.Array(RevisionRef, { description: 'Node-RED exports: every flow made, one per tab.' })),
  report: Type.Optional(Report),
});
const Preview = Type.Object({ flows: Type.Array(Type.Unsafe<unknown>({ type: 'object', additionalProperties: true })), report: Report });

/** Import stores documents as new draft revisions; it never deploys. */
export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/import', {
    config: { access: 'editor' },
    schema: {
      tags: ['flows'],
      summary: 'Import a Sluice flow document, or a Node-RED export (one draft per tab, with a report of every node), as drafts',
      querystring: ImportQuery,
      body: Type.Unsafe<unknown>({ ...FlowDocumentBody, description: 'A Sluice flow document (format 1), or a Node-RED export: an array of nodes or { "flows": [...] }.' }),
      response: withErrors({ 200: Preview, 201: Imported, 422: ErrorBody }),
    },
  }, async (request, reply) => {
    if (!nodeRedList(request.body)) {
      const saved = app.runtime.saveDraft(request.body);
      return reply.code(201).send({ flowId: saved.flowId, revision: saved.revision });
    }
    const { preview, tab, flowId, name } = request.query;
    let result;
    try {
      result = translateNodeRed(request.body, { tab, flowId, name, takenIds: app.runtime.listFlows().map((f) => f.id) });
    } catch (err) {
      if (err instanceof NodeRedExportError) throw new ApiError(422, 'node-red-import-invalid', err.message);
      throw err;
    }
    if (preview) return reply.code(200).send(result);
    const saved = result.flows.map((doc) => app.runtime.saveDraft(doc));
    return reply.code(201).send({
      flowId: saved[0]!.flowId, revision: saved[0]!.revision,
      flows: saved.map((s) => ({ flowId: s.flowId, revision: s.revision })), report: result.report,
    });
  });
};
