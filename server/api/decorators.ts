import type { RuntimeApi } from '../runtime/api.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The only way routes reach the runtime: the narrow RuntimeApi, never its internals. */
    runtime: RuntimeApi;
  }
}
