/**
 * JSON text from outside (message payloads, request bodies, rows of files, API responses, flow
 * documents) parsed with the limits every later step relies on:
 * - **Depth.** JSON.parse takes any nesting, but JSON.stringify, structuredClone and every recursive
 *   walk overflow the stack a few thousand levels down, so a 20 KB message could never be journaled.
 *   Values nested deeper than `MAX_JSON_DEPTH` are refused with where, how deep and the limit.
 * - **Numbers out of range.** `1e400` parses to Infinity, which JSON.stringify writes as `null`: the
 *   journal would not hold what was received. Such a number is kept as its text in a marker object,
 *   `{ "$number": "1e400" }`, which JSON carries unchanged and `numberText` recognises.
 * - **Keys that reach the prototype.** An own `__proto__` key is harmless to JSON.parse but is turned
 *   into a prototype by plain assignment (`out[key] = …`), so the field vanishes or pollutes the copy;
 *   callers name the keys they refuse.
 */
import { jsonErrorOffset } from './json-locate.js';

/** Deepest nesting accepted: far beyond any reading, far below where recursive code overflows. */
export const MAX_JSON_DEPTH = 64;

/** The key of the marker that keeps a number JSON cannot carry: `{ "$number": "1e400" }`. */
export const NUMBER_TEXT_KEY = '$number';

export interface JsonLimits {
  /** Default MAX_JSON_DEPTH. */
  maxDepth?: number;
  /** Object keys refused wherever they appear (e.g. `__proto__`). */
  forbiddenKeys?: ReadonlySet<string>;
}

/** Keys that change an object's prototype when assigned: refused in everything received. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__']);

export interface JsonFault {
  /** One line, e.g. `nested 10000 levels deep at /a/0/0/…; the limit is 64`. */
  message: string;
  /** JSON pointer of the value at fault, when the text parsed. */
  path?: string;
  /** Offset in the text of a syntax error. */
  offset?: number;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; fault: JsonFault };

/** The text of a number kept by `{ "$number": "…" }`, or undefined for any other value. */
export function numberText(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const text = (value as { [NUMBER_TEXT_KEY]?: unknown })[NUMBER_TEXT_KEY];
  return typeof text === 'string' && Object.keys(value).length === 1 ? text : undefined;
}

/** JSON.parse with the limits above; a syntax error carries its offset and V8's words. */
export function parseJsonText(text: string, limits: JsonLimits = {}): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    return { ok: false, fault: { message: `not valid JSON: ${oneLine((err as Error).message)}`, ...(offset >= 0 ? { offset } : {}) } };
  }
  return checkParsed(text, value, limits);
}

/** The checks of `parseJsonText` for a value the caller parsed from `text` itself. */
export function checkParsed(text: string, value: unknown, limits: JsonLimits = {}): JsonResult {
  const checked = checkJsonValue(value, limits);
  if (checked.fault) {
    const { fault } = checked;
    // Only a depth fault needs the text: it says how deep the value really goes.
    if (fault.tooDeep) return { ok: false, fault: depthFault(fault.path, maxDepthOf(text), limits.maxDepth ?? MAX_JSON_DEPTH) };
    return { ok: false, fault: { message: fault.message, path: fault.path } };
  }
  // Rare: reparse with every out-of-range number turned into its marker, so its text survives.
  return { ok: true, value: checked.overflow ? JSON.parse(keepOverflowingNumbers(text)) : value };
}

interface Walk {
  max: number;
  forbidden: ReadonlySet<string> | undefined;
  overflow: boolean;
}

/** `tooDeep`: the value goes past the depth limit (the walk stops there, so how far is unknown). */
type WalkFault = { message: string; path: string; tooDeep?: true };

/**
 * Checks a value already parsed (or built by code) against the limits, without recursing deeper than
 * the limit itself. `overflow` says a non-finite number was seen.
 */
export function checkJsonValue(value: unknown, limits: JsonLimits = {}): { fault?: WalkFault; overflow: boolean } {
  const walk: Walk = { max: limits.maxDepth ?? MAX_JSON_DEPTH, forbidden: limits.forbiddenKeys, overflow: false };
  const trail: string[] = [];
  const fault = visit(value, 0, walk, trail);
  if (!fault) return { overflow: walk.overflow };
  const path = pointer(trail.reverse());
  const message = fault.key === undefined
    ? depthFault(path, undefined, walk.max).message
    : `the key "${fault.key}" at ${path} is not allowed (it would reach the object prototype)`;
  return { fault: { message, path, ...(fault.key === undefined ? { tooDeep: true as const } : {}) }, overflow: walk.overflow };
}

/** A forbidden key, or (no key) nesting past the limit. */
type Found = { key?: string } | undefined;

function visit(value: unknown, depth: number, walk: Walk, trail: string[]): Found {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) walk.overflow = true;
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= walk.max) return {};
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = visit(value[i], depth + 1, walk, trail);
      if (found) {
        trail.push(String(i));
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (walk.forbidden?.has(key)) {
      trail.push(key);
      return { key };
    }
    const found = visit((value as { [k: string]: unknown })[key], depth + 1, walk, trail);
    if (found) {
      trail.push(key);
      return found;
    }
  }
  return undefined;
}

function pointer(segments: string[]): string {
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** `nested 10000 levels deep at /a/0/0/…; the limit is 64`. */
export function depthFault(path: string, depth: number | undefined, limit: number): JsonFault {
  const shown = path.length > 80 ? `${path.slice(0, 77)}…` : path || '/';
  return { message: `nested ${depth !== undefined && depth > limit ? depth : `more than ${limit}`} levels deep at ${shown}; the limit is ${limit}`, path };
}

/** The deepest nesting of brackets in a JSON text (strings skipped), for the depth message. */
export function maxDepthOf(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

const NUMBER_START = /[-0-9]/;
const NUMBER_CHAR = /[-+0-9.eE]/;

/** The text with each number literal beyond the range of a double replaced by `{"$number":"<literal>"}`. */
function keepOverflowingNumbers(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (NUMBER_START.test(c)) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end]!)) end++;
      const literal = text.slice(i, end);
      if (!Number.isFinite(Number(literal))) {
        out += `${text.slice(last, i)}{${JSON.stringify(NUMBER_TEXT_KEY)}:${JSON.stringify(literal)}}`;
        last = end;
      }
      i = end - 1;
    }
  }
  return out + text.slice(last);
}

function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
