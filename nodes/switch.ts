import { Type, type Static } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import { parseProperty, getPath } from './message/property.js';
import { extraPorts, portName } from './message/ports.js';
import { compileValue, ValueKinds, valueProblems, type ValueReader } from './message/typed-value.js';

const Operators = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'btwn', 'cont', 'regex', 'true', 'false', 'null', 'nnull', 'empty', 'nempty', 'istype', 'hask', 'head', 'index', 'tail', 'else'] as const;
type Operator = (typeof Operators)[number];

const Operand = (title: string) => Type.Object({
  kind: Type.Union([...ValueKinds, 'previous'].map((k) => Type.Literal(k)), { title: 'Kind', default: 'string', description: 'As for every value (`string`, `number`, `field`, …), or `previous`: the property of the record before this one.' }),
  value: Type.String({ title: 'Value', default: '', maxLength: 10_000, description: 'The literal or the field path.' }),
}, { title, description: `${title} of the comparison.`, additionalProperties: false });

const Rule = Type.Object({
  op: Type.Union(Operators.map((o) => Type.Literal(o)), {
    title: 'Test', default: 'eq',
    description: '`eq` `neq` `lt` `lte` `gt` `gte` (loose comparison, as JavaScript\'s `==` and `<`), `btwn` (inclusive, either order), `cont` (text contains), `regex`, `true`, `false`, `null` (null or missing), `nnull`, `empty`, `nempty`, `istype` (`string`, `number`, `boolean`, `array`, `object`, `null`, `json`), `hask` (has the key), `head`/`index`/`tail` (position in a sequence from `parts`), `else` (no earlier rule matched).',
  }),
  value: Type.Optional(Operand('Value')),
  value2: Type.Optional(Operand('Second value')),
  ignoreCase: Type.Optional(Type.Boolean({ title: 'Ignore case', default: false, description: 'regex only.' })),
}, { additionalProperties: false });

const config = Type.Object({
  property: Type.String({ title: 'Property', default: 'payload', minLength: 1, maxLength: 1000, description: 'The field tested, e.g. `payload`, `payload.temp`, `topic`.' }),
  rules: Type.Array(Rule, { title: 'Rules', default: [], maxItems: 100, description: 'Rule 1 sends to `out`, rule 2 to `out2`, and so on.' }),
  checkAll: Type.Boolean({ title: 'Check all rules', default: true, description: 'true: a record goes to every port whose rule matches; false: to the first only.' }),
}, { additionalProperties: false });

type Config = Static<typeof config>;
type OperandConfig = Static<ReturnType<typeof Operand>>;
type Parts = { index?: number; count?: number } | undefined;
type Test = (v: unknown, a: unknown, b: unknown, parts: Parts) => boolean;

function isEmpty(a: unknown): boolean | undefined {
  if (typeof a === 'string' || Array.isArray(a)) return a.length === 0;
  if (a !== null && typeof a === 'object') return Object.keys(a).length === 0;
  return undefined;
}

function isType(a: unknown, t: unknown): boolean {
  if (t === 'array') return Array.isArray(a);
  if (t === 'null') return a === null;
  if (t === 'json') {
    try {
      JSON.parse(a as string);
      return true;
    } catch {
      return false;
    }
  }
  if (t === 'number') return typeof a === 'number' && !Number.isNaN(a);
  return typeof a === t && !Array.isArray(a) && a !== null;
}

/* eslint-disable eqeqeq -- Node-RED compares loosely, and flows rely on "5" == 5 */
const TESTS: { [op in Exclude<Operator, 'regex' | 'else'>]: Test } = {
  eq: (v, a) => v == a,
  neq: (v, a) => v != a,
  lt: (v, a) => (v as number) < (a as number),
  lte: (v, a) => (v as number) <= (a as number),
  gt: (v, a) => (v as number) > (a as number),
  gte: (v, a) => (v as number) >= (a as number),
  btwn: (v, a, b) => ((v as number) >= (a as number) && (v as number) <= (b as number)) || ((v as number) <= (a as number) && (v as number) >= (b as number)),
  cont: (v, a) => String(v).includes(String(a)),
  true: (v) => v === true,
  false: (v) => v === false,
  null: (v) => v === undefined || v === null,
  nnull: (v) => v !== undefined && v !== null,
  empty: (v) => isEmpty(v) === true,
  nempty: (v) => isEmpty(v) === false,
  istype: (v, a) => isType(v, a),
  hask: (v, a) => v !== undefined && v !== null && typeof a !== 'object' && Object.hasOwn(v as object, String(a)),
  head: (_v, a, _b, parts) => (parts?.index ?? Infinity) < Number(a),
  index: (_v, a, b, parts) => parts?.index !== undefined && Number(a) <= parts.index && parts.index <= Number(b),
  tail: (_v, a, _b, parts) => parts?.index !== undefined && parts.count !== undefined && parts.count - Number(a) <= parts.index,
};

/** Numbers written as text compare as numbers, as Node-RED's switch converts them. */
function operand(o: OperandConfig | undefined): ValueReader | 'previous' {
  if (!o) return () => undefined;
  if (o.kind === 'previous') return 'previous';
  return compileValue(o as never);
}

interface CompiledRule {
  op: Operator;
  a: ValueReader | 'previous';
  b: ValueReader | 'previous';
  re?: RegExp;
}

function check(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  try {
    parseProperty(cfg.property);
  } catch (err) {
    problems.push({ path: '/property', message: (err as Error).message });
  }
  cfg.rules.forEach((r, i) => {
    for (const key of ['value', 'value2'] as const) {
      const o = r[key];
      if (o && o.kind !== 'previous') problems.push(...valueProblems(o as never, `/rules/${i}/${key}`));
    }
    if (r.op === 'regex') {
      try {
        new RegExp(r.value?.value ?? '');
      } catch (err) {
        problems.push({ path: `/rules/${i}/value/value`, message: (err as Error).message });
      }
    }
  });
  return problems;
}

export default defineNode({
  type: 'switch',
  category: 'process',
  label: 'switch',
  inputs: { in: 'records' },
  outputs: { out: 'records that match the first rule' },
  configOutputs: (cfg) => extraPorts(cfg.rules.length),
  config,
  check,
  docs: `Routes each record by the value of one field (Node-RED's switch node): rule 1 sends to \`out\`, rule 2 to
\`out2\`, rule n to \`out<n>\`.

With \`checkAll\` (default) a record goes to every port whose rule matches; otherwise to the first match
only. \`else\` matches when no earlier rule did. A record that matches no rule leaves by no port (it is
counted in the node's \`in\` and in no \`out\`). Comparisons are JavaScript's loose ones, as in Node-RED
(\`"5"\` equals \`5\`, \`lt\` compares numbers); a rule's value may be another field of the record or
\`previous\`, the tested property of the record before (kept with checkpoints).

Example: \`{ "property": "payload.temp", "rules": [{ "op": "gt", "value": { "kind": "number", "value": "30" } },
{ "op": "else" }], "checkAll": false }\` sends hot readings to \`out\` and the others to \`out2\`.`,

  create(cfg) {
    const path = parseProperty(cfg.property);
    const rules: CompiledRule[] = cfg.rules.map((r) => ({
      op: r.op, a: operand(r.value), b: operand(r.value2),
      ...(r.op === 'regex' ? { re: new RegExp(r.value?.value ?? '', r.ignoreCase ? 'i' : '') } : {}),
    }));
    let previous: unknown = null;
    return {
      process(batch, meta) {
        const scope = { now: meta.ts };
        const outputs: { [port: string]: DataRecord[] } = {};
        for (const record of batch) {
          const v = getPath(record, path);
          const parts = record.parts as Parts;
          // As Node-RED: `else` matches when no rule matched since the previous `else`.
          let unmatched = true;
          for (let i = 0; i < rules.length; i++) {
            const rule = rules[i]!;
            const read = (o: ValueReader | 'previous') => (o === 'previous' ? previous : o(record, scope));
            let hit: boolean;
            if (rule.op === 'else') {
              hit = unmatched;
              unmatched = true;
            } else {
              hit = rule.op === 'regex' ? rule.re!.test(String(v)) : TESTS[rule.op](v, read(rule.a), read(rule.b), parts);
            }
            if (!hit) continue;
            unmatched = false;
            (outputs[portName(i)] ??= []).push(record);
            if (!cfg.checkAll) break;
          }
          previous = v;
        }
        return outputs as Outputs;
      },
      snapshot: () => ({ previous }),
      restore(state) {
        previous = (state as { previous?: unknown } | null)?.previous ?? null;
      },
    };
  },
});
