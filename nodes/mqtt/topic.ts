import type { DataRecord } from '../../server/core/types.js';
import { fieldGetter, type FieldGetter } from '../lib/field-path.js';

/**
 * A subscription topic as users write it: an MQTT filter in which whole segments may be `{name}`,
 * a single-level wildcard whose value becomes the record field `name` (`sensors/{sensor}/data`).
 */
export interface TopicPattern {
  /** The MQTT filter sent to the broker (`{name}` replaced by `+`). */
  filter: string;
  segments: string[];
  /** Segment index → field name. */
  fields: [number, string][];
}

const FIELD = /^\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

/** Throws a message naming what is wrong with the pattern (for deploy-time checks). */
export function topicPattern(spec: string): TopicPattern {
  if (spec === '') throw new Error('a topic filter must not be empty');
  if (spec.startsWith('$share/')) throw new Error('write the plain filter: shared subscriptions come from `connections` and `sharedGroup`');
  const segments = spec.split('/');
  const fields: [number, string][] = [];
  segments.forEach((segment, i) => {
    const m = FIELD.exec(segment);
    if (m) {
      if (fields.some(([, name]) => name === m[1])) throw new Error(`field {${m[1]}} appears twice`);
      fields.push([i, m[1]!]);
      return;
    }
    if (segment.includes('{') || segment.includes('}')) throw new Error(`segment "${segment}": a {field} must be a whole segment of letters, digits, _ . -`);
    if (segment.includes('#') && (segment !== '#' || i !== segments.length - 1)) throw new Error(`segment "${segment}": # must be the last segment, alone`);
    if (segment.includes('+') && segment !== '+') throw new Error(`segment "${segment}": + must be a whole segment`);
  });
  const filterSegments = segments.map((s, i) => (fields.some(([at]) => at === i) ? '+' : s));
  return { filter: filterSegments.join('/'), segments: filterSegments, fields };
}

/** Whether `topic` matches the filter segments (`+` one level, trailing `#` any levels, `$` topics only literally). */
function matches(filter: string[], topic: string[]): boolean {
  if (topic[0]?.startsWith('$') && (filter[0] === '+' || filter[0] === '#')) return false;
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i]!;
    if (f === '#') return true;
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/**
 * Returns the fields a message topic yields: from the first pattern it matches. A topic no pattern
 * matches (possible with overlapping broker-side sessions) yields no fields.
 */
export function topicFieldReader(patterns: TopicPattern[]): ((topic: string) => { [field: string]: string } | undefined) {
  const withFields = patterns.filter((p) => p.fields.length > 0);
  if (withFields.length === 0) return () => undefined;
  return (topic) => {
    const parts = topic.split('/');
    for (const p of patterns) {
      if (!matches(p.segments, parts)) continue;
      if (p.fields.length === 0) return undefined;
      const out: { [field: string]: string } = {};
      for (const [at, name] of p.fields) out[name] = parts[at]!;
      return out;
    }
    return undefined;
  };
}

type Part = string | { path: string; get: FieldGetter };

/** A publish topic with `{field}` placeholders filled from each record (`sensors/{sensor}/commands/sleep`). */
export interface TopicTemplate {
  render(record: DataRecord): { topic: string } | { error: string };
}

export function topicTemplate(spec: string): TopicTemplate {
  if (spec === '') throw new Error('the topic must not be empty');
  if (/[+#]/.test(spec)) throw new Error('a publish topic must not contain the wildcards + or #');
  const parts: Part[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    if (m.index > last) parts.push(spec.slice(last, m.index));
    parts.push({ path: m[1]!, get: fieldGetter(m[1]!) });
    last = m.index + m[0].length;
  }
  if (last < spec.length) parts.push(spec.slice(last));
  if (parts.some((p) => typeof p === 'string' && (p.includes('{') || p.includes('}')))) throw new Error(`unbalanced braces in "${spec}"`);
  return {
    render(record) {
      let topic = '';
      for (const part of parts) {
        if (typeof part === 'string') { topic += part; continue; }
        const v = part.get(record);
        if (v === undefined || v === null || v === '') return { error: `topic field ${part.path} is ${v === '' ? 'empty' : 'missing'}` };
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { error: `topic field ${part.path} must be a string or a number` };
        const text = String(v);
        if (/[/+#\u0000]/.test(text)) return { error: `topic field ${part.path} = ${JSON.stringify(text)} contains /, +, # or NUL` };
        topic += text;
      }
      return { topic };
    },
  };
}
