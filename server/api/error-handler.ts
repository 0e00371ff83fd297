import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AuthInputError } from '../auth/auth-store.js';
import { PathEscapeError } from '../core/data-paths.js';
import { FlowInvalidError } from '../core/problems.js';
import { ConflictError, NotFoundError } from '../runtime/errors.js';
import { ApiError } from './errors.js';

/**
 * Errors are values at the boundary: every failure leaves as a JSON body with a stable `error` code,
 * so clients (the editor, the CLI, CI scripts) branch on codes, never on prose.
 */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof FlowInvalidError) {
      return reply.code(400).send({ error: 'invalid-flow', problems: err.problems });
    }
    // A name that would be a path is the request's fault, whichever check caught it.
    if (err instanceof PathEscapeError) return reply.code(400).send({ error: 'bad-name', message: err.message });
    if (err instanceof NotFoundError) return reply.code(404).send({ error: 'not-found', message: err.message });
    if (err instanceof ConflictError) return reply.code(409).send({ error: 'conflict', message: err.message });
    if (err instanceof AuthInputError) {
      return reply.code(err.code === 'not-found' ? 404 : err.code === 'conflict' ? 409 : 400).send({ error: err.code, message: err.message });
    }
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    }
    const fe = err as Partial<FastifyError>;
    if (fe.validation) {
      const first = fe.validation[0];
      const context = fe.validationContext ?? 'request';
      return reply.code(400).send({
        error: 'bad-request',
        message: `${context}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`,
        context,
        path: first?.instancePath ?? '',
      });
    }
    const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: fe.code ?? 'bad-request', message: fe.message ?? 'bad request' });
    }
    request.log.error({ err }, 'request failed');
    const message = err instanceof Error ? err.message : String(err);
    return reply.code(500).send({ error: 'internal', message });
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    return reply.code(404).send({ error: 'not-found', message: `no route ${request.method} ${request.url}` });
  });
}, { name: 'sluice-errors' });
