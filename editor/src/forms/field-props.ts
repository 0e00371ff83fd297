import type { JsonSchema } from './schema';

export interface FieldProps {
  schema: JsonSchema;
  /** The property name (or index) this field edits. */
  name: string;
  /** JSON pointer inside the node's config, e.g. `/value/base`: the server's problems are matched on it. */
  path: string;
  value: unknown;
  required: boolean;
  onChange(value: unknown): void;
  /** The server's messages by config path, from the last deploy. */
  serverProblems: ReadonlyMap<string, string[]>;
}

/** Ids unique per node and path, so labels and their inputs pair up. */
export const fieldId = (path: string) => `cfg${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
