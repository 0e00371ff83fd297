import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FlowInvalidError, parseJson } from '../core/problems.js';

export const JSON_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Request bodies are mostly flow documents, so a body that is not JSON is reported like any other
 * flow problem (400 invalid-flow, with line and column) instead of fastify's generic parse error.
 */
export const jsonBody = fp(async (app: FastifyInstance) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // An empty body means "no document" (deploy the stored draft), not a syntax error.
    if (text.trim() === '') { done(null, undefined); return; }
    const parsed = parseJson(text);
    if (parsed.ok) done(null, parsed.value);
    else done(new FlowInvalidError([parsed.problem]), undefined);
  });
}, { name: 'sluice-json-body' });
