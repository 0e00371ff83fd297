import type { Logger } from './types.js';

/**
 * Values shorter than this are not redacted: hiding every "abc" in every message would garble the text
 * while protecting nothing (a 3-character secret is guessed faster than read). README says so.
 */
export const MIN_REDACTED_LENGTH = 4;
export const REDACTED = '[redacted]';

/**
 * Replaces every known secret value in text leaving the server (logs, node status and error texts,
 * debug messages, dead-letter reasons, API answers). It learns the values the server resolves; a value
 * is also matched URL-encoded and JSON-escaped, the forms in which connection URLs and JSON texts echo it.
 */
export class Redactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string): void {
    if (value.length < MIN_REDACTED_LENGTH) return;
    let changed = false;
    for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
      if (this.forms.has(form)) continue;
      this.forms.add(form);
      changed = true;
    }
    // Longest first, so a secret that contains another one is replaced whole.
    if (changed) this.pattern = new RegExp([...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  }

  get size(): number {
    return this.forms.size;
  }

  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
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
