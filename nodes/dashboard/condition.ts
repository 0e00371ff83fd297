import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem, DataRecord } from '../../server/core/types.js';
import { fieldGetter } from '../lib/field-path.js';

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** One test on one field; a list of them must all hold. */
export const ConditionSchema = Type.Object({
  field: Type.String({ minLength: 1, title: 'Field', description: 'Dotted path of the field tested.' }),
  in: Type.Optional(Type.Array(Scalar, { minItems: 1, title: 'Is one of', description: 'Holds when the field equals one of these (null: missing or null).' })),
  notIn: Type.Optional(Type.Array(Scalar, { minItems: 1, title: 'Is none of', description: 'Holds when the field equals none of these (a missing field equals none).' })),
  above: Type.Optional(Type.Number({ title: 'Above', description: 'Holds when the field is a number greater than this.' })),
  below: Type.Optional(Type.Number({ title: 'Below', description: 'Holds when the field is a number less than this.' })),
}, { additionalProperties: false });

export type Condition = Static<typeof ConditionSchema>;
export type Test = (record: DataRecord) => boolean;

export function conditionsProblems(list: readonly Condition[], at: string): ConfigProblem[] {
  return list.flatMap((c, i) => (c.in || c.notIn || c.above !== undefined || c.below !== undefined ? []
    : [{ path: `${at}/${i}`, message: `a condition on "${c.field}" needs in, notIn, above or below` }]));
}

/** All conditions compiled into one test; an empty list always holds. */
export function compileConditions(list: readonly Condition[]): Test {
  const tests = list.map(compile);
  return (r) => tests.every((t) => t(r));
}

function compile(c: Condition): Test {
  const get = fieldGetter(c.field);
  const parts: Test[] = [];
  const norm = (v: unknown) => (v === undefined ? null : v);
  if (c.in) {
    const set = new Set(c.in);
    parts.push((r) => set.has(norm(get(r)) as never));
  }
  if (c.notIn) {
    const set = new Set(c.notIn);
    parts.push((r) => !set.has(norm(get(r)) as never));
  }
  if (c.above !== undefined) {
    const limit = c.above;
    parts.push((r) => { const v = get(r); return typeof v === 'number' && v > limit; });
  }
  if (c.below !== undefined) {
    const limit = c.below;
    parts.push((r) => { const v = get(r); return typeof v === 'number' && v < limit; });
  }
  return (r) => parts.every((p) => p(r));
}
