/**
 * Property expressions as Node-RED writes them (`payload`, `payload.temp`, `payload["a b"]`, `data[0].v`,
 * with an optional leading `msg.`), compiled once and applied to plain JSON records. Setting works on a
 * copy the caller owns: records are immutable once emitted (see DataRecord).
 */
export type PathPart = string | number;
export type Msg = { [key: string]: unknown };

export class PropertyError extends Error {}

/** `a.b["c"][0]` → ['a', 'b', 'c', 0]; throws PropertyError naming the column of what is wrong. */
export function parseProperty(expression: string): PathPart[] {
  const text = expression.startsWith('msg.') ? expression.slice(4) : expression;
  if (text.length === 0) throw new PropertyError('empty property expression');
  const parts: PathPart[] = [];
  let i = 0;
  let name = '';
  const fail = (why: string): never => { throw new PropertyError(`invalid property expression "${expression}": ${why} at column ${i + 1}`); };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '.') {
      if (name === '' && (parts.length === 0 || text[i - 1] !== ']')) fail('empty name');
      if (name !== '') parts.push(name);
      name = '';
      i++;
      if (i >= text.length) fail('trailing "."');
    } else if (c === '[') {
      if (name !== '') parts.push(name);
      else if (parts.length === 0) fail('"[" without a name before it');
      name = '';
      i++;
      const q = text[i];
      if (q === '"' || q === "'") {
        const end = text.indexOf(q, i + 1);
        if (end < 0 || text[end + 1] !== ']') fail('unterminated quoted key');
        parts.push(text.slice(i + 1, end));
        i = end + 2;
      } else {
        const end = text.indexOf(']', i);
        const index = end < 0 ? '' : text.slice(i, end);
        if (!/^\d+$/.test(index)) fail('expected a number or a quoted key inside [ ]');
        parts.push(Number(index));
        i = end + 1;
      }
      if (i < text.length && text[i] !== '.' && text[i] !== '[') fail('expected "." or "[" after "]"');
    } else {
      name += c;
      i++;
    }
  }
  if (name !== '') parts.push(name);
  return parts;
}

export function getPath(msg: unknown, path: readonly PathPart[]): unknown {
  let v: unknown = msg;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Object.hasOwn(v, part) ? (v as Msg)[part as string] : undefined;
  }
  return v;
}

/**
 * Sets (or with `undefined`, deletes) the value at `path` inside `msg`, which the caller owns, creating
 * missing parents as Node-RED does (an array when the next key is a number). False when a parent is a
 * scalar, like Node-RED's "cannot set property of a non-object".
 */
export function setPath(msg: Msg, path: readonly PathPart[], value: unknown): boolean {
  let obj: Msg = msg;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = obj[key as string];
    if (next === undefined) {
      if (value === undefined) return true;
      obj[key as string] = typeof path[i + 1] === 'number' ? [] : {};
    } else if (next === null || typeof next !== 'object') {
      return false;
    }
    obj = obj[key as string] as Msg;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(obj) && typeof last === 'number') obj.splice(last, 1);
    else delete obj[last as string];
  } else {
    obj[last as string] = value;
  }
  return true;
}

/** A property compiled once: get from a record, set on a copy. */
export interface Property {
  readonly expression: string;
  get(msg: unknown): unknown;
  /** A new record with the value set (or removed for undefined); the input is untouched. */
  with(msg: Msg, value: unknown): Msg;
}

export function property(expression: string): Property {
  const path = parseProperty(expression);
  return {
    expression,
    get: (msg) => getPath(msg, path),
    with(msg, value) {
      const copy = path.length === 1 ? { ...msg } : structuredClone(msg);
      setPath(copy, path, value);
      return copy;
    },
  };
}

/** A config check for a property field: [] or one problem at `at`. */
export function propertyProblems(expression: string, at: string): { path: string; message: string }[] {
  try {
    parseProperty(expression);
    return [];
  } catch (err) {
    return [{ path: at, message: (err as Error).message }];
  }
}
