import type { Logger } from './types.js';

/**
 * Values shorter than this are not redacted: hiding every "abc" in every message would garble the text
 * while protecting nothing (a 3-character secret is guessed faster than read). README says so.
 */
export const MIN_REDACTED_LENGTH = 4;
export const REDACTED = '[redacted]';

/** Characters the URL parser removes from a URL. */
const URL_DROPS = /^[\t\n\r]$/;

/** A base64 run shorter than this is not matched: it would hit text that merely looks alike. */
const MIN_BASE64_RUN = 6;

/**
 * Replaces every known secret value in text leaving the server (logs, node status and error texts,
 * debug messages, dead-letter reasons, API answers). It learns the values the server resolves, and
 * matches each in the encodings it takes on its way out: percent-encoded (encodeURIComponent,
 * encodeURI, the URL class's own sets, `+` for a space in a query string; upper or lower hex, any mix
 * of encoded and plain characters), JSON-escaped (once, or twice for JSON quoted inside JSON, `\uXXXX`
 * included), and base64 wherever it sits inside a longer base64 text (an `Authorization: Basic` header
 * holds `user:password`), in standard and URL-safe alphabets.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;
  /** A quick look for text that cannot hold any secret in any form, which is most text (see `anchors`). */
  private prefilter: RegExp | undefined;

  add(value: string): void {
    if (value.length < MIN_REDACTED_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    // Longest first, so a secret that contains another one is replaced whole.
    const sorted = [...this.values].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(encodedForms).join('|'), 'g');
    const anchors = sorted.map(anchorsOf);
    this.prefilter = anchors.every((a) => a !== undefined) ? new RegExp(anchors.flat().map(escapeRegExp).join('|')) : undefined;
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    if (!this.pattern || (this.prefilter && !this.prefilter.test(text))) return text;
    return text.replace(this.pattern, REDACTED);
  }

  /**
   * A copy of a value with every string (keys included) redacted, as JSON would show it (`toJSON` is
   * honoured, so dates stay dates); the value itself when nothing is known. Debug values come from node
   * code: a cycle becomes "[cycle]" instead of overflowing the stack.
   */
  redactValue<T>(value: T): T {
    return this.pattern ? (this.walk(value, new Set()) as T) : value;
  }

  private walk(value: unknown, ancestors: Set<object>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (ancestors.has(value)) return '[cycle]';
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.walk(toJSON.call(value), new Set([...ancestors, value]));
    ancestors.add(value);
    try {
      if (value instanceof Error) return this.redact(value.message);
      if (Array.isArray(value)) return value.map((v) => this.walk(v, ancestors));
      // fromEntries defines properties: a `__proto__` key stays a key instead of becoming the prototype.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.walk(v, ancestors)]));
    } finally {
      ancestors.delete(value);
    }
  }
}

/** A logger that redacts the message and every field before the line is written. */
export function redactingLogger(log: Logger, redactor: Redactor): Logger {
  const wrap = (emit: Logger['info']): Logger['info'] => (msg, fields) => emit(redactor.redact(msg), fields && redactor.redactValue(fields));
  return { info: wrap(log.info), warn: wrap(log.warn), error: wrap(log.error) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `C3` → `[Cc]3`: percent-encoders differ in the case of their hex digits. */
function hexPattern(n: number, digits: number): string {
  return [...n.toString(16).toUpperCase().padStart(digits, '0')].map((d) => (/[A-F]/.test(d) ? `[${d}${d.toLowerCase()}]` : d)).join('');
}

/** Every way one character of a secret may be written by the encoders text leaves the server through. */
function characterForms(ch: string, dropped: boolean): string {
  const forms = new Set<string>([escapeRegExp(ch)]);
  if (!/[A-Za-z0-9]/.test(ch)) forms.add([...Buffer.from(ch, 'utf8')].map((b) => `%${hexPattern(b, 2)}`).join(''));
  if (ch === ' ') forms.add('\\+');
  if (ch === '/') forms.add('\\\\/');
  // The URL parser turns a backslash into a slash and drops tabs and line breaks (WHATWG URL).
  if (ch === '\\') forms.add('/');
  if (dropped && URL_DROPS.test(ch)) forms.add('');
  const once = JSON.stringify(ch).slice(1, -1);
  if (once !== ch) {
    forms.add(escapeRegExp(once));
    forms.add(escapeRegExp(JSON.stringify(once).slice(1, -1)));
  }
  // ASCII-only JSON writers escape everything else as \uXXXX (a surrogate pair beyond the BMP).
  if (!/[\x20-\x7e]/.test(ch)) forms.add([...Array(ch.length).keys()].map((i) => `\\\\u${hexPattern(ch.charCodeAt(i), 4)}`).join(''));
  return forms.size === 1 ? [...forms][0]! : `(?:${[...forms].join('|')})`;
}

/**
 * The runs of base64 that only the secret decides, at each of the three alignments it can have inside
 * a longer base64 text (for `user:password`, after `user:`).
 */
function base64Runs(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const runs: string[] = [];
  for (const shift of [0, 1, 2]) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Characters whose six bits all come from the secret: after the shifted bytes, before what follows.
    const run = text.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    if (run.length >= MIN_BASE64_RUN) runs.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(runs)];
}

/**
 * Literal texts at least one of which every encoded form of the secret contains: the longest run of
 * letters and digits of the secret (no encoder here changes those) and of each of its base64 runs.
 * Undefined when one of them is shorter than three characters: then every text is scanned in full.
 */
function anchorsOf(value: string): string[] | undefined {
  // A base64 run's standard and URL-safe spellings share their longest run of letters and digits.
  const anchors = [value, ...base64Runs(value)].map(longestAlphanumeric);
  return anchors.every((a) => a.length >= 3) ? [...new Set(anchors)] : undefined;
}

function longestAlphanumeric(text: string): string {
  let best = '';
  for (const run of text.match(/[A-Za-z0-9]+/g) ?? []) if (run.length > best.length) best = run;
  return best;
}

/** One regular expression source matching the secret in any of its encodings. */
function encodedForms(value: string): string {
  // Characters a URL parser may drop are optional, unless too little of the secret would be left to match.
  const kept = [...value].filter((c) => !URL_DROPS.test(c)).length >= MIN_REDACTED_LENGTH;
  const text = [...value].map((c) => characterForms(c, kept)).join('');
  return [text, ...base64Runs(value).map(escapeRegExp)].join('|');
}
