/**
 * `{{name}}` and `{name}` placeholders in URLs, headers and bodies. Names are dotted paths
 * (`site.id`); a template is parsed once and rendered per request.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\}\}|\{([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\}/g;

type Part = string | { name: string };

export class MissingFieldError extends Error {
  constructor(readonly field: string, readonly template: string) {
    super(`template "${template}" needs field "${field}", which is missing`);
  }
}

export interface Template {
  /** Placeholder names, in order of appearance. */
  readonly fields: readonly string[];
  /** `lookup` returns undefined for a missing name; each value goes through `encode`. */
  render(lookup: (name: string) => unknown, encode?: (text: string) => string): string;
}

/** Text of a value as it appears in a URL or header: strings as-is, other values as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function parseTemplate(template: string): Template {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push({ name: (m[1] ?? m[2])! });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  const fields = parts.filter((p): p is { name: string } => typeof p !== 'string').map((p) => p.name);
  return {
    fields,
    render(lookup, encode = (s) => s) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const value = lookup(part.name);
        if (value === undefined || value === null) throw new MissingFieldError(part.name, template);
        out += encode(text(value));
      }
      return out;
    },
  };
}

/** For URLs: every substituted value is percent-encoded, so `a/b c` stays one path segment. */
export const encodeUrlValue = encodeURIComponent;

/** For header values: substituted text must not smuggle a line break into the request. */
export function headerValue(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error(`header value ${JSON.stringify(text.slice(0, 40))} contains a line break`);
  return text;
}
