import { Type, type TSchema } from '@sinclair/typebox';
import { FlowDocumentSchema } from '../core/flow-format.js';
import { SafeName } from '../core/names.js';
import { CHECKED_BY_RUNTIME } from './validator.js';

/** Shapes shared by several route plugins; each mirrors a type of server/runtime/api.ts. */

export const FlowId = SafeName({ description: 'The flow id.' });
export const FlowParams = Type.Object({ id: FlowId });

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'Stable machine-readable code.' }),
  message: Type.Optional(Type.String()),
}, { additionalProperties: true, description: 'An error; invalid flows carry `problems` instead of a message.' });

export const ProblemSchema = Type.Object({
  nodeId: Type.Union([Type.String(), Type.Null()], { description: 'The node concerned, or null for the document.' }),
  path: Type.String({ description: 'JSON pointer into the document.' }),
  message: Type.String(),
});

export const InvalidFlowBody = Type.Object({
  error: Type.Literal('invalid-flow'),
  problems: Type.Array(ProblemSchema),
});

/** What a route that takes a flow document answers with 400. */
export const BadFlowBody = Type.Union([InvalidFlowBody, ErrorBody]);

const { $id: _flowSchemaId, ...flowDocumentShape } = FlowDocumentSchema;

/**
 * A flow document as a request body: published with the full format, checked by the runtime so that
 * every problem comes back located (see validator.ts).
 */
export const FlowDocumentBody = Type.Unsafe<unknown>({
  ...flowDocumentShape,
  description: 'A flow document, format 1 (GET /api/schema/flow).',
  [CHECKED_BY_RUNTIME]: true,
});

/** A stored document in a response; the runtime only stores documents of format 1. */
export const StoredFlowDocument = Type.Unsafe<unknown>({ ...flowDocumentShape });

export const RevisionRef = Type.Object({
  flowId: Type.String(),
  revision: Type.Integer(),
});

export const StoredRevisionSchema = Type.Object({
  flowId: Type.String(),
  revision: Type.Integer(),
  createdAt: Type.Number({ description: 'Milliseconds since the epoch.' }),
  doc: StoredFlowDocument,
});

export const FlowStateSchema = Type.Union([
  Type.Literal('running'), Type.Literal('stopped'), Type.Literal('failed'), Type.Literal('not-deployed'),
]);

export const NodeStatusSchema = Type.Object({
  state: Type.String(),
  text: Type.Optional(Type.String()),
  attempt: Type.Optional(Type.Integer({ minimum: 2, description: 'While retrying: the attempt about to be made.' })),
  at: Type.Number(),
});

export const Records = Type.Array(Type.Record(Type.String(), Type.Unknown()));

/** Adds the error answers every route can give, so the OpenAPI document lists them. */
export function withErrors<T extends { [status: number]: TSchema }>(map: T): T & { 400: TSchema; 404: TSchema; 500: TSchema } {
  return { 400: BadFlowBody, 404: ErrorBody, 500: ErrorBody, ...map };
}
