/*
 * The subset of JSON Schema that node config schemas (TypeBox) produce, and what the generated form needs
 * from it: which editor a field gets, its unit, and the messages for a value that breaks a constraint.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: { [key: string]: JsonSchema };
  patternProperties?: { [pattern: string]: JsonSchema };
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  title?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  contentMediaType?: string;
}

export type FieldKind = 'enum' | 'boolean' | 'number' | 'string' | 'code' | 'array' | 'object' | 'record' | 'json';

export function fieldKind(schema: JsonSchema, key: string): FieldKind {
  if (enumValues(schema)) return 'enum';
  const type = Array.isArray(schema.type) ? undefined : schema.type;
  if (type === 'boolean') return 'boolean';
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'string') return isCode(schema, key) ? 'code' : 'string';
  if (type === 'array' && schema.items) return 'array';
  if (type === 'object' && schema.properties) return 'object';
  if (type === 'object' && schema.patternProperties) return 'record';
  return 'json';
}

/** Literal choices, from `enum` or a union of `const`s (TypeBox's Union of Literals). */
export function enumValues(schema: JsonSchema): unknown[] | null {
  if (schema.enum) return schema.enum;
  if (schema.anyOf?.length && schema.anyOf.every((s) => 'const' in s)) return schema.anyOf.map((s) => s.const);
  return null;
}

function isCode(schema: JsonSchema, key: string): boolean {
  return schema.format === 'code' || schema.contentMediaType === 'application/javascript' || key === 'code' || key === 'source';
}

/** Units read from the naming convention of config fields: `intervalMs`, `periodS`, `radiusM`, `maxBytes`. */
export function unitOf(key: string): string | null {
  if (/Ms$/.test(key)) return 'ms';
  if (/Bytes$/.test(key)) return 'bytes';
  if (/(^|[a-z])S$/.test(key)) return 's';
  if (/(^|[a-z])M$/.test(key)) return 'm';
  if (/PerSecond$/.test(key)) return '/s';
  if (/Ratio$/.test(key)) return '0–1';
  return null;
}

const SECRET_NAME = /password|secret|token|apikey|api_key|credential/i;
export const SECRET_REF = /^\$\{(secret|env):([A-Za-z0-9_.-]+)\}$/;

/** Fields meant to hold a secret are edited as references to the server's secrets, never as values. */
export function isSecretField(schema: JsonSchema, key: string): boolean {
  return schema.format === 'secret' || SECRET_NAME.test(key);
}

/** What is wrong with a value, in the words a person filling the form needs; empty when it is fine. */
export function problemsOf(schema: JsonSchema, value: unknown, required: boolean): string[] {
  if (value === undefined) return required && schema.default === undefined ? ['required'] : [];
  const out: string[] = [];
  const type = Array.isArray(schema.type) ? undefined : schema.type;
  if (typeof value === 'string' && SECRET_REF.test(value)) return out;
  if ((type === 'number' || type === 'integer') && typeof value === 'number') {
    if (type === 'integer' && !Number.isInteger(value)) out.push('must be a whole number');
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`must be at most ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) out.push(`must be more than ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) out.push(`must be less than ${schema.exclusiveMaximum}`);
  }
  if (type === 'string' && typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(schema.minLength === 1 ? 'must not be empty' : `needs at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !safeTest(schema.pattern, value)) out.push(`does not match ${schema.pattern}`);
  }
  if (type === 'array' && Array.isArray(value) && schema.minItems !== undefined && value.length < schema.minItems) {
    out.push(`needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  }
  return out;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    // A pattern the browser cannot compile is checked by the server at deploy instead.
    return true;
  }
}

/** A starting value for a new array item, record entry or optional object: its defaults filled in. */
export function initialValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  const kind = fieldKind(schema, '');
  if (kind === 'object') {
    const out: { [key: string]: unknown } = {};
    for (const [k, s] of Object.entries(schema.properties ?? {})) {
      if (schema.required?.includes(k)) out[k] = initialValue(s);
    }
    return out;
  }
  if (kind === 'enum') return enumValues(schema)![0];
  if (kind === 'number') return schema.minimum ?? 0;
  if (kind === 'boolean') return false;
  if (kind === 'array') return [];
  if (kind === 'record') return {};
  if (kind === 'string' || kind === 'code') return '';
  return {};
}

export function labelOf(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}
