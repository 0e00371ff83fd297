import { Type, type StringOptions, type TString } from '@sinclair/typebox';

/*
 * Names are names, never paths. Every identifier a user gives that reaches the file system or a URL
 * (flow ids, node ids, FTP user names, and whatever joins them later) follows this one rule, checked at
 * the schema, and every data path built from one is resolved with `resolveUnder` (data-paths.ts), which
 * refuses a path that leaves its root whatever got past the schema. This module has no Node imports: the
 * editor checks names with it too.
 *
 * The rule: 1 to 128 ASCII letters, digits, `_`, `-` and `.`, starting with a letter, a digit or `_`,
 * not ending with `.`, without `..`, and not a Windows device name (CON, NUL, COM1, … with or without
 * an extension). It is one regular expression, so the JSON Schema the server publishes lets editors and
 * CI pipelines refuse exactly what the server refuses; `nameProblem` says why in words.
 */

export const NAME_MAX_LENGTH = 128;

const RESERVED = '(?:[Cc][Oo][Nn]|[Pp][Rr][Nn]|[Aa][Uu][Xx]|[Nn][Uu][Ll]|(?:[Cc][Oo][Mm]|[Ll][Pp][Tt])[0-9])(?:\\.|$)';

/** The whole rule as a JSON Schema (ECMA-262) pattern; length is checked by minLength/maxLength. */
export const NAME_PATTERN = `^(?!${RESERVED})(?!.*\\.\\.)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$`;

const NAME = new RegExp(NAME_PATTERN);
const ALLOWED = /^[A-Za-z0-9_.-]$/;
const RESERVED_NAME = new RegExp(`^${RESERVED}`);
const RULE = 'names are ASCII letters, digits, "_", "-" and "."';

/** A TypeBox string schema for a safe name; `nameProblem` explains a refusal (see `schemaErrorMessage`). */
export function SafeName(options: StringOptions = {}): TString {
  return Type.String({ description: `${RULE}, starting with a letter, a digit or "_".`, ...options, minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN });
}

export function isSafeName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= NAME_MAX_LENGTH && NAME.test(name);
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `"．" (U+FF0E, reads as "." once normalised)`: look-alikes are named by their NFKC form. */
function showChar(ch: string): string {
  // Invisible and direction-changing characters are named, never printed: they would garble the message.
  const shown = /[\p{Cc}\p{Cf}\p{Z}\p{M}]/u.test(ch) && ch !== ' ' ? '' : `"${ch}" `;
  const folded = ch.normalize('NFKC');
  const alike = folded !== ch && /^[\x20-\x7e]+$/.test(folded) ? `, which reads as "${folded}" once normalised (NFKC)` : '';
  return `${shown}(${codePoint(ch)}${alike})`;
}

/** What a percent-encoded name decodes to, when it decodes to something else. */
function decoded(name: string): string | undefined {
  try {
    const text = decodeURIComponent(name);
    return text === name ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Why `name` is not a safe name, in words (`".." is the parent directory, not a name`), or undefined when it is one. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a string, got ${name === null ? 'null' : typeof name}`;
  if (name.length === 0) return 'is empty';
  if (name.length > NAME_MAX_LENGTH) return `is ${name.length} characters long; the limit is ${NAME_MAX_LENGTH}`;
  if (name === '.') return '"." is the current directory, not a name';
  if (name === '..') return '".." is the parent directory, not a name';
  const folded = name.normalize('NFKC');
  if (folded !== name && (folded === '.' || folded === '..' || /[/\\]/.test(folded))) {
    return `"${name}" reads as "${folded}" once normalised (NFKC): a path, not a name`;
  }
  for (const ch of name) {
    if (ch === '/' || ch === '\\') return `contains the path separator "${ch}": a name is one path segment`;
    if (ch === '%') {
      const text = decoded(name);
      return `contains "%"${text === undefined ? '' : ` and decodes to "${text}"`}: names are never percent-encoded`;
    }
    if (!ALLOWED.test(ch)) {
      const control = /[\p{Cc}\p{Cf}]/u.test(ch);
      return `contains ${control ? 'the control character ' : ''}${showChar(ch)}: ${RULE}`;
    }
  }
  if (name.startsWith('.')) return `starts with ".": a hidden file, not a name`;
  if (name.startsWith('-')) return 'starts with "-": a name starts with a letter, a digit or "_"';
  if (name.endsWith('.')) return 'ends with ".", which Windows drops from file names';
  if (name.includes('..')) return 'contains ".."';
  if (RESERVED_NAME.test(name)) return `"${name}" is a reserved device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9)`;
  return NAME.test(name) ? undefined : RULE;
}

/** True for CON, NUL, COM1, … (any case, with or without an extension): Windows opens a device instead of a file. */
export function isWindowsDeviceName(name: string): boolean {
  return RESERVED_NAME.test(name);
}

/** TypeBox's error for a value checked against a `SafeName` schema, in words; undefined for other schemas. */
export function schemaErrorMessage(error: { schema: unknown; value: unknown }): string | undefined {
  const schema = error.schema as { pattern?: unknown } | null;
  if (schema === null || typeof schema !== 'object' || schema.pattern !== NAME_PATTERN) return undefined;
  return nameProblem(error.value);
}
