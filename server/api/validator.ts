import type { FastifySchemaCompiler } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';

/**
 * Schemas carrying this keyword are published (OpenAPI) but checked by the runtime, which reports
 * every problem with its node id and JSON pointer; fastify's first-error-only check would hide them.
 */
export const CHECKED_BY_RUNTIME = 'x-checked-by-runtime';

/**
 * TypeBox validates exactly what the schema says (no silent removal of unknown properties, as
 * fastify's default Ajv setup does) and converts querystring/params strings to numbers.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if ((route.schema as { [CHECKED_BY_RUNTIME]?: unknown })[CHECKED_BY_RUNTIME] === true) return () => true;
  return TypeBoxValidatorCompiler(route);
};
