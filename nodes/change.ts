import { Type, type Static } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord } from '../server/core/types.js';
import { parseProperty, getPath, setPath, type Msg, type PathPart } from './message/property.js';
import { compileValue, TypedValue, valueProblems, type ValueReader, type ValueScope } from './message/typed-value.js';

const Rule = Type.Object({
  action: Type.Union([Type.Literal('set'), Type.Literal('change'), Type.Literal('delete'), Type.Literal('move')], {
    title: 'Action', default: 'set', description: '`set` a field to a value, `change` (search and replace inside it), `delete` it, or `move` it to `to` (a field path).',
  }),
  property: Type.String({ title: 'Field', minLength: 1, maxLength: 1000, default: 'payload', description: 'The field the rule works on, e.g. `payload`, `payload.temp`, `data[0]`.' }),
  to: Type.Optional(TypedValue('To', 'set: the new value; change: the replacement; move: `{ "kind": "field", "value": "<destination>" }`.')),
  from: Type.Optional(Type.Object({
    kind: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('regex'), Type.Literal('field')], { title: 'Kind', default: 'string', description: 'What to search for: a literal, a regular expression, or the value of another field.' }),
    value: Type.String({ title: 'Search for', default: '', maxLength: 10_000, description: 'The text, number, boolean, regular expression or field path.' }),
  }, { title: 'Search for', description: 'change only: what is replaced.', additionalProperties: false })),
}, { additionalProperties: false });

const config = Type.Object({
  rules: Type.Array(Rule, { title: 'Rules', default: [], maxItems: 500, description: 'Applied in order to every record.' }),
}, { additionalProperties: false });

type RuleConfig = Static<typeof Rule>;
type Apply = (msg: Msg, scope: ValueScope) => void;

const escape = (s: string) => s.replace(/[-[\]{}()*+?.,\\^$|#\s]/g, '\\$&');

/** One rule compiled: it changes `msg` (a copy the node owns) in place. */
function compileRule(rule: RuleConfig): Apply {
  const path = parseProperty(rule.property);
  const to: ValueReader = rule.to ? compileValue(rule.to) : () => undefined;
  switch (rule.action) {
    case 'delete': return (msg) => { setPath(msg, path, undefined); };
    case 'set': return (msg, scope) => { setPath(msg, path, to(msg, scope)); };
    case 'move': {
      const target = parseProperty(rule.to?.value ?? '');
      return (msg) => {
        const value = getPath(msg, path);
        setPath(msg, path, undefined);
        setPath(msg, target, value);
      };
    }
    case 'change': return changeRule(path, rule, to);
  }
}

/** Search and replace as Node-RED does it: strings by pattern, numbers and booleans only on an exact match. */
function changeRule(path: PathPart[], rule: RuleConfig, to: ValueReader): Apply {
  const from = rule.from ?? { kind: 'string', value: '' };
  const fixed = from.kind === 'field' ? undefined : searchOf(from.kind, from.value);
  const fromField = from.kind === 'field' ? parseProperty(from.value) : undefined;
  return (msg, scope) => {
    const search = fixed ?? searchOf(kindOf(getPath(msg, fromField!)), String(getPath(msg, fromField!)));
    if (!search) return;
    const value = to(msg, scope);
    const current = getPath(msg, path);
    if (typeof current === 'string') {
      if (search.kind !== 'regex' && current === search.text) setPath(msg, path, value);
      else {
        const replaced = current.replace(search.re, String(value));
        setPath(msg, path, typeof value === 'boolean' && replaced === String(value) ? value : replaced);
      }
    } else if (typeof current === 'number' && search.kind === 'number') {
      if (current === Number(search.text)) setPath(msg, path, value);
    } else if (typeof current === 'boolean' && search.kind === 'boolean') {
      if (String(current) === search.text) setPath(msg, path, value);
    }
  };
}

type SearchKind = 'string' | 'number' | 'boolean' | 'regex';
function kindOf(v: unknown): SearchKind | undefined {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return undefined;
}

function searchOf(kind: SearchKind | undefined, text: string): { kind: SearchKind; text: string; re: RegExp } | undefined {
  if (!kind) return undefined;
  return { kind, text, re: new RegExp(kind === 'regex' ? text : escape(text), 'g') };
}

function check(cfg: Static<typeof config>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  cfg.rules.forEach((rule, i) => {
    const at = `/rules/${i}`;
    try {
      parseProperty(rule.property);
    } catch (err) {
      problems.push({ path: `${at}/property`, message: (err as Error).message });
    }
    if (rule.to) problems.push(...valueProblems(rule.to, `${at}/to`));
    if ((rule.action === 'set' || rule.action === 'move' || rule.action === 'change') && !rule.to) problems.push({ path: `${at}/to`, message: `a ${rule.action} rule needs "to"` });
    if (rule.action === 'move' && rule.to && rule.to.kind !== 'field') problems.push({ path: `${at}/to/kind`, message: 'a move rule\'s "to" is a field: { "kind": "field", "value": "<destination>" }' });
    if (rule.action === 'change') {
      if (!rule.from) problems.push({ path: `${at}/from`, message: 'a change rule needs "from"' });
      else if (rule.from.kind === 'regex') {
        try {
          new RegExp(rule.from.value, 'g');
        } catch (err) {
          problems.push({ path: `${at}/from/value`, message: (err as Error).message });
        }
      }
    }
  });
  return problems;
}

export default defineNode({
  type: 'change',
  category: 'process',
  label: 'change',
  inputs: { in: 'records' },
  outputs: { out: 'the records with the rules applied' },
  config,
  check,
  docs: `Sets, changes, deletes or moves fields of every record, rule after rule (Node-RED's change node).

- \`set\` \`property\` to \`to\`: a literal (\`string\`, \`number\`, \`boolean\`, \`json\`), another field
  (\`{ "kind": "field", "value": "payload.raw" }\`), or the time (\`now\`, \`now-iso\`: the journal time of the
  batch, so a replay sets the same value).
- \`change\`: replaces \`from\` inside a text field by \`to\` (every occurrence; \`regex\` for a pattern with
  \`$1\` references). A number or boolean field changes only when it equals \`from\` exactly.
- \`delete\` removes the field; \`move\` puts its value at the field \`to\` names and removes it.

Paths reach into objects and arrays: \`payload.readings[0].value\`, \`headers["content-type"]\`; missing
objects on the way are created. The node keeps no state.

Example: \`{ "rules": [{ "action": "set", "property": "unit", "to": { "kind": "string", "value": "°C" } },
{ "action": "move", "property": "payload", "to": { "kind": "field", "value": "value" } }] }\``,

  create(cfg) {
    const rules = cfg.rules.map(compileRule);
    return {
      process(batch, meta) {
        const scope = { now: meta.ts };
        const out: DataRecord[] = [];
        for (const record of batch) {
          const msg = structuredClone(record) as Msg;
          for (const apply of rules) apply(msg, scope);
          out.push(msg);
        }
        return { out };
      },
    };
  },
});
