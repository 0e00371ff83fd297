import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { JournalExport } from '../../runtime/api.js';
import { flowNotFound } from '../errors.js';
import { FlowParams, withErrors } from '../schemas.js';
import '../decorators.js';

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 100_000;

/** The audit log as NDJSON, streamed entry by entry so a large export never sits in memory. */
export const journalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/flows/:id/journal', {
    config: { access: 'viewer' },
    schema: {
      tags: ['journal'],
      summary: 'Journal entries after `from` (exclusive), oldest first, one JSON object per line',
      params: FlowParams,
      querystring: Type.Object({
        from: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Offset to start after.' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
      }),
      response: withErrors({
        200: Type.String({ description: 'application/x-ndjson: {offset, ts, kind, node, port, records} per line.' }),
      }),
    },
  }, async (request, reply) => {
    const { id } = request.params;
    if (!app.runtime.getDraft(id)) throw flowNotFound(id);
    const entries = app.runtime.journal(id, request.query.from ?? 0, request.query.limit ?? DEFAULT_LIMIT);
    return reply.type('application/x-ndjson').send(Readable.from(ndjson(entries)));
  });
};

async function* ndjson(entries: AsyncIterable<JournalExport>): AsyncGenerator<string> {
  for await (const entry of entries) yield `${JSON.stringify(entry)}\n`;
}
