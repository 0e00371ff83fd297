import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import './decorators.js';

/** Answers whose text is scanned: JSON, NDJSON and plain text. The editor's files and streams are not. */
const TEXTUAL = /^(application\/(json|x-ndjson)|text\/plain)/;

/**
 * The last line of defence for secret values: every textual answer is redacted before it is sent.
 * Values are redacted where they arise (logs, statuses, errors, debug); this catches whatever a route
 * echoes that nobody thought of (an error message of a library, a query answer).
 */
export const redactAnswers = fp(async (app: FastifyInstance) => {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !TEXTUAL.test(type)) return payload;
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    const redacted = app.runtime.redact(text);
    return redacted === text ? payload : redacted;
  });
}, { name: 'sluice-redact-answers' });
