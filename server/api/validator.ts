import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { schemaErrorMessage } from '../core/names.js';

/**
 * Schemas carrying this keyword are published (OpenAPI) but checked by the runtime, which reports
 * every problem with its node id and JSON pointer; fastify's first-error-only check would hide them.
 */
export const CHECKED_BY_RUNTIME = 'x-checked-by-runtime';

/**
 * TypeBox validates exactly what the schema says (no silent removal of unknown properties, as
 * fastify's default Ajv setup does) and converts querystring/params strings to numbers. A name that
 * breaks the names rule is explained in words (`".." is the parent directory, not a name`), not as a pattern.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if ((schema as { [CHECKED_BY_RUNTIME]?: unknown })[CHECKED_BY_RUNTIME] === true) return () => true;
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    const converted = httpPart === 'body' ? value : Value.Convert(schema, value);
    if (check.Check(converted)) return { value: converted };
    const error = [...check.Errors(converted)].map((e) => ({
      message: schemaErrorMessage(e) ?? e.message, instancePath: e.path,
    }));
    return { error } as never;
  };
};
