import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { FlowDocumentSchema } from '../../core/flow-format.js';
import { notFound } from '../errors.js';
import { withErrors } from '../schemas.js';
import '../decorators.js';

const Port = Type.Object({ name: Type.String(), description: Type.String() });

const CatalogEntrySchema = Type.Object({
  type: Type.String(),
  category: Type.String(),
  label: Type.String(),
  docs: Type.String({ description: 'Markdown.' }),
  inputs: Type.Array(Port),
  outputs: Type.Array(Port),
  configSchema: Type.Unknown({ description: 'JSON Schema of the node config, with defaults and descriptions.' }),
  retry: Type.Object({
    maxAttempts: Type.Integer(), backoffMs: Type.Integer(), maxBackoffMs: Type.Integer(), jitter: Type.Number(),
  }),
});

/** The node catalog and the flow format: what palettes, property forms and CI validate against. */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/nodes', {
    config: { access: 'viewer' },
    schema: { tags: ['catalog'], summary: 'Every node type with its ports and config schema', response: withErrors({ 200: Type.Array(CatalogEntrySchema) }) },
  }, async () => app.runtime.registry.catalog());

  app.get('/api/nodes/:type', {
    config: { access: 'viewer' },
    schema: {
      tags: ['catalog'], summary: 'One node type',
      params: Type.Object({ type: Type.String({ minLength: 1, maxLength: 128 }) }),
      response: withErrors({ 200: CatalogEntrySchema }),
    },
  }, async (request) => {
    const entry = app.runtime.registry.catalog().find((e) => e.type === request.params.type);
    if (!entry) throw notFound(`no node type "${request.params.type}"; known types: ${app.runtime.registry.types().join(', ')}`);
    return entry;
  });

  app.get('/api/schema/flow', {
    config: { access: 'viewer' },
    schema: { tags: ['catalog'], summary: 'JSON Schema of the flow document, format 1', response: { 200: Type.Unknown() } },
  }, async () => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...FlowDocumentSchema }));
};
