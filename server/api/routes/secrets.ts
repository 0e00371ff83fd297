import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { withErrors } from '../schemas.js';
import '../decorators.js';

/** Secrets are write-only through the API: values go in, only names come out. */
export const secretRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put('/api/secrets/:name', {
    config: { access: 'admin' },
    schema: {
      tags: ['secrets'], summary: 'Set a secret referenced as ${secret:NAME}; the value is never returned',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }) }),
      body: Type.Object({ value: Type.String({ maxLength: 65_536 }) }, { additionalProperties: false }),
      response: withErrors({ 204: Type.Null() }),
    },
  }, async (request, reply) => {
    app.runtime.setSecret(request.params.name, request.body.value);
    // The name only: the value never reaches the audit log.
    request.audit('secret.set', request.params.name);
    return reply.code(204).send(null);
  });

  app.get('/api/secrets', {
    config: { access: 'editor' },
    schema: { tags: ['secrets'], summary: 'Names of the stored secrets', response: withErrors({ 200: Type.Object({ names: Type.Array(Type.String()) }) }) },
  }, async () => ({ names: app.runtime.secretNames() }));
};
