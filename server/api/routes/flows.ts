import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { RuntimeApi, StoredRevision } from '../../runtime/api.js';
import { documentId, requireDocumentId } from '../document-id.js';
import { ApiError, flowNotFound, notFound } from '../errors.js';
import {
  ErrorBody, FlowDocumentBody, FlowParams, FlowStateSchema, RevisionRef, StoredRevisionSchema, withErrors,
} from '../schemas.js';
import '../decorators.js';

const FlowSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  draftRevision: Type.Integer(),
  deployedRevision: Type.Union([Type.Integer(), Type.Null()]),
  state: FlowStateSchema,
});

const RevisionInfoSchema = Type.Object({
  revision: Type.Integer(),
  createdAt: Type.Number(),
  deployed: Type.Boolean(),
  draft: Type.Boolean(),
});

const ExportQuery = Type.Object({
  revision: Type.Optional(Type.Union([
    Type.Literal('draft'), Type.Literal('deployed'), Type.String({ pattern: '^[0-9]+$' }),
  ], { description: '`draft` (default), `deployed` or a revision number.' })),
});

/** Drafts and their revisions. Deploying lives in deploy.ts. */
export const flowRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;

  app.get('/api/flows', {
    config: { access: 'viewer' },
    schema: { tags: ['flows'], summary: 'Every flow with its draft and deployed revisions', response: withErrors({ 200: Type.Array(FlowSummarySchema) }) },
  }, async () => runtime.listFlows());

  app.post('/api/flows', {
    config: { access: 'editor' },
    schema: {
      tags: ['flows'], summary: 'Create a flow from a document (409 when the id is taken)',
      body: FlowDocumentBody, response: withErrors({ 201: RevisionRef, 409: ErrorBody }),
    },
  }, async (request, reply) => {
    const id = documentId(request.body);
    if (id !== undefined && runtime.getDraft(id)) {
      throw new ApiError(409, 'flow-exists', `a flow "${id}" exists already; PUT /api/flows/${id} stores a new draft revision`);
    }
    const saved = runtime.saveDraft(request.body);
    return reply.code(201).send({ flowId: saved.flowId, revision: saved.revision });
  });

  app.get('/api/flows/:id', {
    config: { access: 'viewer' },
    schema: { tags: ['flows'], summary: 'The current draft', params: FlowParams, response: withErrors({ 200: StoredRevisionSchema }) },
  }, async (request) => runtime.getDraft(request.params.id) ?? throwNotFound(request.params.id));

  app.put('/api/flows/:id', {
    config: { access: 'editor' },
    schema: {
      tags: ['flows'], summary: 'Store a new draft revision (the document id must equal the URL id)',
      params: FlowParams, body: FlowDocumentBody, response: withErrors({ 200: RevisionRef }),
    },
  }, async (request) => {
    requireDocumentId(request.body, request.params.id);
    const saved = runtime.saveDraft(request.body);
    return { flowId: saved.flowId, revision: saved.revision };
  });

  app.delete('/api/flows/:id', {
    config: { access: 'editor' },
    schema: { tags: ['flows'], summary: 'Stop the flow and delete it with its journal and dead letters', params: FlowParams, response: withErrors({ 204: Type.Null() }) },
  }, async (request, reply) => {
    if (!(await runtime.deleteFlow(request.params.id))) throw flowNotFound(request.params.id);
    request.audit('flow.delete', request.params.id);
    return reply.code(204).send(null);
  });

  app.get('/api/flows/:id/revisions', {
    config: { access: 'viewer' },
    schema: { tags: ['flows'], summary: 'Stored revisions, with the draft and deployed ones marked', params: FlowParams, response: withErrors({ 200: Type.Array(RevisionInfoSchema) }) },
  }, async (request) => {
    if (!runtime.getDraft(request.params.id)) throw flowNotFound(request.params.id);
    return runtime.listRevisions(request.params.id);
  });

  app.get('/api/flows/:id/export', {
    config: { access: 'viewer' },
    schema: {
      tags: ['flows'], summary: 'The flow document as a file (secrets stay references)',
      params: FlowParams, querystring: ExportQuery, response: withErrors({ 200: Type.Unknown({ description: 'A flow document, format 1.' }) }),
    },
  }, async (request, reply) => {
    const stored = revisionOf(runtime, request.params.id, request.query.revision ?? 'draft');
    return reply
      .header('content-disposition', `attachment; filename="${stored.flowId}.json"`)
      .type('application/json; charset=utf-8')
      .send(`${JSON.stringify(stored.doc, null, 2)}\n`);
  });
};

function throwNotFound(flowId: string): never {
  throw flowNotFound(flowId);
}

function revisionOf(runtime: RuntimeApi, flowId: string, which: string): StoredRevision {
  const draft = runtime.getDraft(flowId);
  if (!draft) throw flowNotFound(flowId);
  if (which === 'draft') return draft;
  if (which === 'deployed') {
    const deployed = runtime.getDeployed(flowId);
    if (!deployed) throw notFound(`flow "${flowId}" is not deployed`);
    return deployed;
  }
  const revision = Number(which);
  const found = Number.isInteger(revision) ? runtime.getRevision(flowId, revision) : undefined;
  if (!found) throw notFound(`flow "${flowId}" has no revision ${which}`);
  return found;
}
