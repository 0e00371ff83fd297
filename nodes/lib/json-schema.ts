import { Type, type TSchema } from '@sinclair/typebox';

/**
 * TypeBox's compiler only accepts TypeBox schemas (it dispatches on an internal kind), so a plain JSON
 * Schema from a flow is rebuilt with the TypeBox builders, keeping its validation keywords. Keywords
 * that cannot be honoured throw, naming where they are: silently ignoring one would accept bad records.
 */

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly']);
const COMBINATORS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not']);
const KEYWORDS_BY_TYPE: { [type: string]: string[] } = {
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  string: ['minLength', 'maxLength', 'pattern'],
  array: ['minItems', 'maxItems', 'uniqueItems'],
  object: ['minProperties', 'maxProperties'],
  boolean: [],
  null: [],
};

type Json = { [key: string]: unknown };

export function fromJsonSchema(schema: unknown, at = ''): TSchema {
  if (schema === true) return Type.Unknown();
  if (schema === false) return Type.Never();
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new Error(`${at || '/'}: a schema must be an object or a boolean`);
  const s = schema as Json;
  const keywords: Json = {};
  for (const [key, value] of Object.entries(s)) {
    if (ANNOTATIONS.has(key) || COMBINATORS.has(key)) continue;
    if (!Object.values(KEYWORDS_BY_TYPE).some((list) => list.includes(key))) throw new Error(`${at}/${key}: keyword "${key}" is not supported`);
    keywords[key] = value;
  }

  const parts: TSchema[] = [];
  const types = s.type === undefined ? impliedTypes(s) : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length > 0) parts.push(union(types.map((t) => typed(t, s, keywords, at))));
  else if (Object.keys(keywords).length > 0) throw new Error(`${at || '/'}: "${Object.keys(keywords)[0]}" needs a "type"`);
  if (s.enum !== undefined) {
    if (!Array.isArray(s.enum)) throw new Error(`${at}/enum: must be an array`);
    parts.push(union(s.enum.map((v, i) => literal(v, `${at}/enum/${i}`))));
  }
  if (s.const !== undefined) parts.push(literal(s.const, `${at}/const`));
  if (s.anyOf !== undefined) parts.push(union(list(s.anyOf, `${at}/anyOf`)));
  // oneOf is checked like anyOf: exclusivity rarely matters for records and TypeBox has no exact equivalent.
  if (s.oneOf !== undefined) parts.push(union(list(s.oneOf, `${at}/oneOf`)));
  if (s.allOf !== undefined) parts.push(...list(s.allOf, `${at}/allOf`));
  if (s.not !== undefined) parts.push(Type.Not(fromJsonSchema(s.not, `${at}/not`)));
  if (parts.length === 0) return Type.Unknown();
  return parts.length === 1 ? parts[0]! : Type.Intersect(parts);
}

function impliedTypes(s: Json): unknown[] {
  if (s.properties !== undefined || s.required !== undefined || s.additionalProperties !== undefined) return ['object'];
  if (s.items !== undefined) return ['array'];
  return [];
}

function typed(type: unknown, s: Json, keywords: Json, at: string): TSchema {
  if (typeof type !== 'string' || !(type in KEYWORDS_BY_TYPE)) throw new Error(`${at}/type: unknown type ${JSON.stringify(type)}`);
  const options: Json = {};
  for (const key of KEYWORDS_BY_TYPE[type]!) if (key in keywords) options[key] = keywords[key];
  switch (type) {
    case 'number': return Type.Number(options);
    case 'integer': return Type.Integer(options);
    case 'string': return Type.String(options);
    case 'boolean': return Type.Boolean();
    case 'null': return Type.Null();
    case 'array':
      if (Array.isArray(s.items)) throw new Error(`${at}/items: tuple form is not supported`);
      return Type.Array(s.items === undefined ? Type.Unknown() : fromJsonSchema(s.items, `${at}/items`), options);
    default: return object(s, options, at);
  }
}

function object(s: Json, options: Json, at: string): TSchema {
  const properties = (s.properties ?? {}) as Json;
  if (typeof properties !== 'object' || properties === null) throw new Error(`${at}/properties: must be an object`);
  const required = s.required ?? [];
  if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) throw new Error(`${at}/required: must be an array of names`);
  const props: { [key: string]: TSchema } = {};
  for (const [key, sub] of Object.entries(properties)) {
    const converted = fromJsonSchema(sub, `${at}/properties/${key}`);
    props[key] = required.includes(key) ? converted : Type.Optional(converted);
  }
  for (const key of required as string[]) if (!(key in props)) props[key] = Type.Unknown();
  const extra = s.additionalProperties;
  if (extra !== undefined) options.additionalProperties = typeof extra === 'boolean' ? extra : fromJsonSchema(extra, `${at}/additionalProperties`);
  return Type.Object(props, options);
}

function list(value: unknown, at: string): TSchema[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${at}: must be a non-empty array of schemas`);
  return value.map((v, i) => fromJsonSchema(v, `${at}/${i}`));
}

function union(schemas: TSchema[]): TSchema {
  return schemas.length === 1 ? schemas[0]! : Type.Union(schemas);
}

function literal(value: unknown, at: string): TSchema {
  if (value === null) return Type.Null();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return Type.Literal(value);
  throw new Error(`${at}: only strings, numbers, booleans and null are supported`);
}
