import { Type } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import { numberText } from '../server/core/json-text.js';
import type { DataRecord, Outputs } from '../server/core/types.js';
import { fieldGetter, showValue, type FieldGetter } from './lib/field-path.js';
import { fromJsonSchema } from './lib/json-schema.js';

const config = Type.Object({
  schema: Type.Record(Type.String(), Type.Unknown(), { title: 'Schema', default: {}, description: 'JSON Schema every record must match; {} = no schema check.' }),
  required: Type.Array(Type.String({ minLength: 1 }), { title: 'Required', default: ['ts', 'sensor', 'value'], description: 'Fields (dotted paths) that must be present and not null.' }),
  numeric: Type.Array(Type.String({ minLength: 1 }), { title: 'Numeric', default: ['value'], description: 'Fields that, when present, must be finite numbers.' }),
  ranges: Type.Record(Type.String({ minLength: 1 }), Type.Object({
    min: Type.Optional(Type.Number({ title: 'Min', description: 'Smallest accepted value.' })),
    max: Type.Optional(Type.Number({ title: 'Max', description: 'Largest accepted value.' })),
  }, { additionalProperties: false }), { title: 'Ranges', default: {}, description: 'Accepted range per field, e.g. { "value": { "min": -50, "max": 60 } }; the field must be a finite number when present.' }),
  timestamp: Type.Object({
    field: Type.String({ title: 'Field', default: 'ts', minLength: 1, description: 'Field holding the time in epoch milliseconds; it must be a finite number when present.' }),
    maxFutureMs: Type.Optional(Type.Integer({ title: 'Max future (ms)', minimum: 0, description: 'How far ahead of the batch time a timestamp may be; omit for no bound.' })),
    maxAgeMs: Type.Optional(Type.Integer({ title: 'Max age (ms)', minimum: 0, description: 'How far behind the batch time a timestamp may be; omit for no bound.' })),
  }, { title: 'Timestamp', default: {}, additionalProperties: false, description: 'Timestamp checks, against the journal time of the batch.' }),
}, { additionalProperties: false });

interface FieldRule {
  path: string;
  get: FieldGetter;
  required: boolean;
  numeric: boolean;
  min: number;
  max: number;
}

function fieldRules(required: string[], numeric: string[], ranges: { [field: string]: { min?: number; max?: number } }): FieldRule[] {
  const rules = new Map<string, FieldRule>();
  const rule = (path: string): FieldRule => {
    let r = rules.get(path);
    if (!r) rules.set(path, (r = { path, get: fieldGetter(path), required: false, numeric: false, min: -Infinity, max: Infinity }));
    return r;
  };
  for (const f of required) rule(f).required = true;
  for (const f of numeric) rule(f).numeric = true;
  for (const [f, range] of Object.entries(ranges)) {
    const r = rule(f);
    r.numeric = true;
    r.min = range.min ?? -Infinity;
    r.max = range.max ?? Infinity;
  }
  return [...rules.values()];
}

/** A number the sender wrote beyond the range of a double, kept as its text by the source (json-text.ts). */
function beyondRange(v: unknown): string | undefined {
  const text = numberText(v);
  return text === undefined ? undefined : `${text} is beyond the range of a double-precision number (kept as received, as {"$number": "${text}"})`;
}

/** JSON pointer `/pos/lat` → `pos.lat`, matching how fields are named in the config. */
function dotted(pointer: string): string {
  return pointer === '' ? '(record)' : pointer.slice(1).replace(/\//g, '.');
}

export default defineNode({
  type: 'validate',
  category: 'process',
  label: 'validate',
  inputs: { in: 'records to check' },
  outputs: {
    out: 'records that pass every check',
    invalid: 'records that failed: { record, reason, node }',
  },
  config,
  // A schema the checker cannot honour is a deploy problem, reported with the others (not a failed start).
  check(cfg) {
    if (Object.keys(cfg.schema).length === 0) return [];
    try {
      fromJsonSchema(cfg.schema, '');
      return [];
    } catch (err) {
      const message = (err as Error).message;
      const m = /^(\/\S*): (.*)$/s.exec(message);
      return [{ path: `/schema${m && m[1] !== '/' ? m[1] : ''}`, message: m ? m[2]! : message }];
    }
  },
  // Checks are pure: a retry would fail the same way, so failures go straight to the error port.
  retry: { maxAttempts: 1 },
  docs: `Checks every record and splits the batch: passing records leave by \`out\` unchanged, failing ones
by \`invalid\` as a new record \`{ record, reason, node }\` holding the original untouched.

**Checks**, all reported at once in \`reason\` as \`<field>: <message>\` joined by \`; \`:
- \`required\`: the field is present and not \`null\` (\`value: missing\`, \`value: null\`).
- \`numeric\` and \`ranges\`: when present, the field is a finite number (\`value: expected a finite number, got "n/a"\`)
  within \`min\`/\`max\` (\`value: 120 is above max 100\`). A range implies the numeric check. A number a source
  received beyond the range of a double arrives as \`{"$number": "1e400"}\` and is named
  (\`value: 1e400 is beyond the range of a double-precision number\`).
- \`timestamp\`: when present, the field is epoch milliseconds, at most \`maxFutureMs\` ahead of and
  \`maxAgeMs\` behind the batch's journal time (so a replay judges exactly as the first run did).
- \`schema\`: a JSON Schema (types, properties, required, additionalProperties, items, enum, const,
  anyOf/oneOf/allOf/not, and the usual numeric, string and array bounds; \`oneOf\` is checked like \`anyOf\`).

Field names are dotted paths (\`pos.lat\`). Checks are compiled once at deploy; a batch where every
record passes is forwarded as is.

Example: \`{ "ranges": { "value": { "min": -50, "max": 60 } }, "timestamp": { "maxFutureMs": 60000 } }\``,

  create(cfg, ctx) {
    const rules = fieldRules(cfg.required, cfg.numeric, cfg.ranges);
    const time = cfg.timestamp;
    const getTs = fieldGetter(time.field);
    const maxFuture = time.maxFutureMs ?? Infinity;
    const maxAge = time.maxAgeMs ?? Infinity;
    const schemaCheck: TypeCheck<TSchema> | undefined =
      Object.keys(cfg.schema).length > 0 ? TypeCompiler.Compile(fromJsonSchema(cfg.schema, 'schema')) : undefined;

    // The allocation-free predicate every record goes through; `reasons` runs only for failures.
    function passes(r: DataRecord, now: number): boolean {
      if (r === null || typeof r !== 'object') return false;
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        const v = rule.get(r);
        if (v === undefined || v === null) {
          if (rule.required) return false;
        } else if (rule.numeric && (typeof v !== 'number' || !Number.isFinite(v) || v < rule.min || v > rule.max)) {
          return false;
        }
      }
      const ts = getTs(r);
      if (ts !== undefined && ts !== null && (typeof ts !== 'number' || !Number.isFinite(ts) || ts - now > maxFuture || now - ts > maxAge)) return false;
      return schemaCheck === undefined || schemaCheck.Check(r);
    }

    function reasons(r: DataRecord, now: number): string {
      if (r === null || typeof r !== 'object') return `(record): expected an object, got ${showValue(r)}`;
      const found: string[] = [];
      for (const rule of rules) {
        const v = rule.get(r);
        if (v === undefined || v === null) {
          if (rule.required) found.push(`${rule.path}: ${v === null ? 'null' : 'missing'}`);
        } else if (rule.numeric) {
          if (typeof v !== 'number' || !Number.isFinite(v)) found.push(`${rule.path}: ${beyondRange(v) ?? `expected a finite number, got ${showValue(v)}`}`);
          else if (v < rule.min) found.push(`${rule.path}: ${v} is below min ${rule.min}`);
          else if (v > rule.max) found.push(`${rule.path}: ${v} is above max ${rule.max}`);
        }
      }
      const ts = getTs(r);
      if (ts !== undefined && ts !== null) {
        if (typeof ts !== 'number' || !Number.isFinite(ts)) found.push(`${time.field}: ${beyondRange(ts) ?? `expected epoch milliseconds, got ${showValue(ts)}`}`);
        else if (ts - now > maxFuture) found.push(`${time.field}: ${ts - now} ms in the future (max ${maxFuture})`);
        else if (now - ts > maxAge) found.push(`${time.field}: ${now - ts} ms old (max ${maxAge})`);
      }
      if (schemaCheck !== undefined) {
        for (const e of schemaCheck.Errors(r)) found.push(`${dotted(e.path)}: ${beyondRange(e.value) ?? e.message}`);
      }
      return found.join('; ');
    }

    return {
      process(batch, meta): Outputs {
        const now = meta.ts;
        let i = 0;
        while (i < batch.length && passes(batch[i]!, now)) i++;
        if (i === batch.length) return { out: batch };
        const out: DataRecord[] = batch.slice(0, i);
        const invalid: DataRecord[] = [];
        for (; i < batch.length; i++) {
          const r = batch[i]!;
          if (passes(r, now)) out.push(r);
          else invalid.push({ record: r, reason: reasons(r, now), node: ctx.nodeId });
        }
        return { out, invalid };
      },
    };
  },
});
