import type { TSchema } from '@sinclair/typebox';
import type { NodeDefinition } from './types.js';

/** Identity at runtime; gives each node module a typed `create(config)` from its own schema. */
export function defineNode<S extends TSchema>(definition: NodeDefinition<S>): NodeDefinition<S> {
  return definition;
}
