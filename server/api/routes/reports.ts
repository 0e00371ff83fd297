import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SafeName } from '../../core/names.js';
import { ErrorBody, withErrors } from '../schemas.js';
import '../decorators.js';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Status = Type.Object({ state: Type.String(), text: Type.Optional(Type.String()), at: Type.Number() }, { additionalProperties: true });

const ReportInfoSchema = Type.Object({
  flowId: Type.String(), nodeId: Type.String(), name: Type.String(), title: Type.String(), site: Type.String(),
  schedule: Type.String({ description: '5-field cron, read in timeZone.' }), timeZone: Type.String(),
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  targets: Type.Array(Type.String(), { description: '`mail:<address>` and `webhook`.' }),
  nextRunAt: Nullable(Type.Number()), status: Status,
});

const DeliverySchema = Type.Object({
  target: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('sending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  detail: Nullable(Type.String({ description: 'The server\'s answer to the last attempt, or why it failed.' })),
  at: Nullable(Type.Number()),
});

const DocumentSchema = Type.Object({
  id: Type.Integer(), flowId: Type.String(), nodeId: Type.String(),
  edition: Type.String({ description: 'The period key, with `-run<request>` for a run on request.' }),
  periodKey: Type.String(), periodFrom: Type.Number(), periodTo: Type.Number(), timeZone: Type.String(),
  kind: Type.Union([Type.Literal('scheduled'), Type.Literal('requested')]), requestedBy: Nullable(Type.String()),
  title: Type.String(), asOf: Type.Number(), storedAt: Type.Number(), fileName: Type.String(), bytes: Type.Integer(), pages: Type.Integer(),
  sha256: Type.String(), messageId: Type.String(), mailText: Type.String(),
  summary: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()])),
  deliveries: Type.Array(DeliverySchema),
});

const RunParams = Type.Object({ flowId: SafeName({ description: 'The flow.' }), nodeId: SafeName({ description: 'The report node.' }) });

/** Scheduled reports: the report nodes of running flows, their stored documents, a download, and "Run now". */
export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;

  app.get('/api/reports', {
    config: { access: 'viewer' },
    schema: {
      tags: ['reports'], summary: 'Report nodes of running flows and their stored documents (newest first, paged by `before`)',
      querystring: Type.Object({
        flow: Type.Optional(SafeName()), node: Type.Optional(SafeName()),
        before: Type.Optional(Type.Integer({ minimum: 1, description: 'Documents with an id below this.' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ reports: Type.Array(ReportInfoSchema), documents: Type.Array(DocumentSchema) }) }),
    },
  }, async (request) => {
    const { flow, node, before, limit } = request.query;
    const reports = runtime.reports().filter((r) => (flow === undefined || r.flowId === flow) && (node === undefined || r.nodeId === node));
    return { reports, documents: runtime.reportDocuments({ flow, node, before, limit: limit ?? 100 }) };
  });

  app.get('/api/reports/:documentId/pdf', {
    config: { access: 'viewer' },
    schema: {
      tags: ['reports'], summary: 'Download a stored report (application/pdf)',
      params: Type.Object({ documentId: Type.Integer({ minimum: 1 }) }),
      response: withErrors({ 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The PDF, as stored and sent.' }) }),
    },
  }, async (request, reply) => {
    const { document, pdf } = runtime.reportDocument(request.params.documentId);
    request.audit('report.download', `${document.flowId}/${document.nodeId}/${document.edition}`);
    return reply.type('application/pdf')
      .header('content-disposition', `attachment; filename="${document.flowId}-${document.nodeId}-${document.fileName}"`)
      .header('x-sluice-report-sha256', document.sha256)
      .send(pdf);
  });

  app.post('/api/reports/:flowId/:nodeId/run', {
    config: { access: 'editor' },
    schema: {
      tags: ['reports'], summary: 'Run a report now: the last complete period, or the one named; the node takes it up at its next tick',
      params: RunParams,
      body: Type.Optional(Type.Object({
        period: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'A complete period of the report: 2026-03-29, 2026-W13 or 2026-03.' })),
      }, { additionalProperties: false })),
      response: withErrors({
        202: Type.Object({ requestId: Type.Integer(), flowId: Type.String(), nodeId: Type.String(), period: Nullable(Type.String()), requestedAt: Type.Number() }),
        409: ErrorBody,
      }),
    },
  }, async (request, reply) => {
    const { flowId, nodeId } = request.params;
    const by = request.principal?.name ?? 'anonymous';
    const r = runtime.requestReport(flowId, nodeId, by, request.body?.period ?? null);
    request.audit('report.run', `${flowId}/${nodeId}`, { requestId: r.id, period: r.periodKey });
    return reply.code(202).send({ requestId: r.id, flowId, nodeId, period: r.periodKey, requestedAt: r.requestedAt });
  });
};
