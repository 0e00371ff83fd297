import { gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { gzipCorruption, isZlibError } from '../core/gzip-words.js';
import { FlowInvalidError, parseJson } from '../core/problems.js';
import { ApiError } from './errors.js';

export const JSON_BODY_LIMIT = 16 * 1024 * 1024;

/** `application/json` and the `+json` types, with or without parameters (`; charset=utf-8`). */
const JSON_TYPES = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

function contentEncoding(request: FastifyRequest): string {
  const value = request.headers['content-encoding'];
  return (Array.isArray(value) ? value.join(',') : value ?? '').trim().toLowerCase();
}

/** The body's text, gunzipped (within the body limit) when it says it is gzip. */
function bodyText(request: FastifyRequest, body: Buffer): Promise<string> {
  const encoding = contentEncoding(request);
  if (encoding === '' || encoding === 'identity') return Promise.resolve(body.toString('utf8'));
  if (encoding !== 'gzip') {
    return Promise.reject(new ApiError(415, 'unsupported-encoding', `Content-Encoding "${encoding}" is not accepted: send the body as it is or gzip-compressed`));
  }
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: JSON_BODY_LIMIT }, (err, text) => {
      if (!err) return resolve(text.toString('utf8'));
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return reject(new ApiError(413, 'body-too-large', `the body exceeds ${JSON_BODY_LIMIT} bytes once decompressed`));
      }
      reject(isZlibError(err) ? new ApiError(400, 'corrupt-gzip', gzipCorruption(err)) : err);
    });
  });
}

/**
 * Request bodies are mostly flow documents, so a body that is not JSON is reported like any other
 * flow problem (400 invalid-flow, with line and column, or the JSON pointer of nesting past the depth
 * limit or of a `__proto__` key) instead of fastify's generic parse error. A body of another type is
 * answered 415 naming the Content-Type to use: a flow document sent as text/plain is still refused,
 * but the sender learns why.
 */
export const jsonBody = fp(async (app: FastifyInstance) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer', bodyLimit: JSON_BODY_LIMIT }, (request, body, done) => {
    bodyText(request, body as Buffer).then((text) => {
      // An empty body means "no document" (deploy the stored draft), not a syntax error.
      if (text.trim() === '') return done(null, undefined);
      const parsed = parseJson(text);
      if (parsed.ok) done(null, parsed.value);
      else done(new FlowInvalidError([parsed.problem]), undefined);
    }, (err: Error) => done(err, undefined));
  });
  app.addContentTypeParser('*', (request, _payload, done) => {
    const type = request.headers['content-type'] ?? '';
    done(new ApiError(415, 'unsupported-media-type', `the body is sent as "${type}": send JSON with Content-Type: application/json`), undefined);
  });
}, { name: 'sluice-json-body' });
