import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';
import { parseProperty, getPath, type PathPart } from './property.js';

/**
 * A value a node's config names: a literal, a field of the record, or the time. Node-RED's "typed inputs"
 * (str, num, bool, json, msg, date) translate one to one; the record field is read with the same
 * property expressions (`payload.temp`, `data[0]`).
 */
export const ValueKinds = ['string', 'number', 'boolean', 'json', 'field', 'now', 'now-iso', 'null'] as const;
export type ValueKind = (typeof ValueKinds)[number];

export const TypedValue = (title: string, description: string, defaults: { kind: ValueKind; value: string } = { kind: 'string', value: '' }) => Type.Object({
  kind: Type.Union(ValueKinds.map((k) => Type.Literal(k)), {
    title: 'Kind', default: defaults.kind,
    description: '`string`, `number`, `boolean` (`true`/`false`), `json` (parsed), `field` (a property of the record, e.g. `payload.temp`), `now` (epoch ms of the journal entry), `now-iso` (the same as an ISO text) or `null`.',
  }),
  value: Type.String({ title: 'Value', default: defaults.value, maxLength: 100_000, description: 'The literal, the JSON text or the field path; ignored for `now`, `now-iso` and `null`.' }),
}, { title, description, default: defaults, additionalProperties: false });

export type TypedValueConfig = Static<ReturnType<typeof TypedValue>>;

/** What a compiled value needs besides the record: the time the batch was journaled, so replays agree. */
export interface ValueScope {
  now: number;
}

export type ValueReader = (msg: unknown, scope: ValueScope) => unknown;

/** Compiles a value once; throws with a readable reason for JSON or a path that do not parse (see `valueProblems`). */
export function compileValue(v: TypedValueConfig): ValueReader {
  switch (v.kind) {
    case 'string': return () => v.value;
    case 'number': {
      const n = Number(v.value);
      return () => n;
    }
    case 'boolean': {
      const b = /^true$/i.test(v.value);
      return () => b;
    }
    case 'json': {
      const parsed: unknown = JSON.parse(v.value);
      return () => structuredClone(parsed);
    }
    case 'field': {
      const path: PathPart[] = parseProperty(v.value);
      return (msg) => structuredCloneIfObject(getPath(msg, path));
    }
    case 'now': return (_m, scope) => scope.now;
    case 'now-iso': return (_m, scope) => new Date(scope.now).toISOString();
    case 'null': return () => null;
  }
}

function structuredCloneIfObject(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? structuredClone(v) : v;
}

/** Deploy-time check of a value: bad JSON or a bad field path is named at `at`. */
export function valueProblems(v: TypedValueConfig, at: string): ConfigProblem[] {
  try {
    compileValue(v);
    if (v.kind === 'number' && v.value.trim() !== '' && Number.isNaN(Number(v.value))) return [{ path: `${at}/value`, message: `"${v.value}" is not a number` }];
    return [];
  } catch (err) {
    return [{ path: `${at}/value`, message: (err as Error).message }];
  }
}
