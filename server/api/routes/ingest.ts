import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import '../decorators.js';

/**
 * `/ingest/<path>`: dispatches to the push source (HTTP in) that registered the path. The body is
 * handed over as the raw stream: the node decodes it (gzip, NDJSON, CSV) and enforces its own size
 * limit, so fastify's JSON parser and body limit do not apply in this scope.
 */
export async function ingestRoutes(app: FastifyInstance): Promise<void> {
  const runtime = app.runtime;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/ingest/*',
    // Each HTTP in node checks its own credentials (its token or basic auth), not the users of the editor.
    config: { access: 'public' },
    schema: { tags: ['ingest'], summary: 'Pushes records to the HTTP in node that serves this path (GET, PATCH and DELETE for nodes that accept them)' },
    handler: async (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      const handler = runtime.ingress(path);
      if (!handler) throw notFound(`no running node serves /ingest/${path}`);
      const q = request.url.indexOf('?');
      const response = await handler({
        method: request.method, path, query: request.query as { [key: string]: string }, search: q < 0 ? '' : request.url.slice(q + 1),
        headers: request.headers, body: request.raw, remoteAddress: request.ip,
      });
      // A handler may answer before reading the whole body (401, 413): drop the rest of the upload.
      if (!request.raw.readableEnded) reply.header('connection', 'close');
      reply.code(response.status).headers(response.headers ?? {});
      if (response.text === undefined) return reply.send(response.body ?? null);
      if (!reply.hasHeader('content-type')) reply.header('content-type', 'text/html; charset=utf-8');
      return reply.send(response.text);
    },
  });
}
