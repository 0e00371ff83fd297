import { pipeline, Readable, Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import './decorators.js';

/** Answers whose text is scanned: JSON, NDJSON and plain text. The editor's files are not. */
const TEXTUAL = /^(application\/(json|x-ndjson)|text\/plain)/;

/**
 * The last line of defence for secret values: every textual answer is redacted before it is sent.
 * Values are redacted where they arise (logs, statuses, errors, debug); this catches whatever a route
 * echoes that nobody thought of (a library's error message, a query answer, records of a device that
 * sent a password as data). Streams (journal exports) are redacted chunk by chunk: the NDJSON routes
 * write one line per chunk, so a value never straddles two.
 */
export const redactAnswers = fp(async (app: FastifyInstance) => {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !TEXTUAL.test(type)) return payload;
    if (payload instanceof Readable) {
      const redacting = new Transform({
        transform: (chunk: Buffer | string, _encoding, done) => done(null, app.runtime.redact(chunk.toString())),
      });
      // pipeline, not pipe: a source that fails destroys the answer's stream instead of leaving it open forever.
      return pipeline(payload, redacting, (err) => { if (err) app.log.warn({ err }, 'a streamed answer failed'); });
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    const redacted = app.runtime.redact(text);
    return redacted === text ? payload : redacted;
  });
}, { name: 'sluice-redact-answers' });
