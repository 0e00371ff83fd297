import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Type, type StringOptions, type TString } from '@sinclair/typebox';

/*
 * Names are names, never paths. Every identifier a user gives that reaches the file system or a URL
 * (flow ids, node ids, FTP user names, and whatever joins them later) follows this one rule, checked at
 * the schema, and every data path built from one is resolved with `resolveUnder`, which refuses a path
 * that leaves its root whatever got past the schema.
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

/** TypeBox's error for a value checked against a `SafeName` schema, in words; undefined for other schemas. */
export function schemaErrorMessage(error: { schema: unknown; value: unknown }): string | undefined {
  const schema = error.schema as { pattern?: unknown } | null;
  if (schema === null || typeof schema !== 'object' || schema.pattern !== NAME_PATTERN) return undefined;
  return nameProblem(error.value);
}

/** A data path that would leave its root (or a segment that is not one path component). */
export class PathEscapeError extends Error {
  readonly code = 'PATH_ESCAPE';
  constructor(readonly root: string, readonly segments: readonly string[], why: string) {
    // The root stays out of the message: it is a server path, and messages reach API clients.
    super(`refused the data path ${JSON.stringify(segments.join('/'))}: ${why}`);
    this.name = 'PathEscapeError';
  }
}

/** One path component: not empty, not `.` or `..`, no separator, no NUL. */
function componentProblem(segment: string): string | undefined {
  if (segment === '') return 'an empty segment';
  if (segment === '.' || segment === '..') return `the segment "${segment}" is not a name`;
  if (/[/\\\0]/.test(segment)) return 'a segment holds a separator or NUL';
  return undefined;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * `root/segment/…`, strictly below `root`, or a `PathEscapeError`. Each segment must be one path
 * component (so `flows/<id>` can only ever be that flow's own directory), the lexical result must lie
 * below the root, and its real location too: the deepest part of it that exists is resolved through
 * symlinks and must still be below the root's real path.
 */
export function resolveUnder(root: string, ...segments: string[]): string {
  if (segments.length === 0) throw new PathEscapeError(root, segments, 'no segment: the root itself is not below the root');
  for (const s of segments) {
    const why = componentProblem(s);
    if (why) throw new PathEscapeError(root, segments, why);
  }
  const base = resolve(root);
  const target = resolve(base, ...segments);
  if (!isInside(base, target)) throw new PathEscapeError(root, segments, 'it is not below the root');
  if (!existsSync(base)) return target;
  // lstat, not exists: a dangling symlink is something, and where it leads is what matters.
  let existing = target;
  while (existing !== base && !lstatSync(existing, { throwIfNoEntry: false })) existing = dirname(existing);
  if (existing === base) return target;
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    throw new PathEscapeError(root, segments, 'a symbolic link leads nowhere');
  }
  if (!isInside(realpathSync(base), real)) throw new PathEscapeError(root, segments, 'a symbolic link leads out of the root');
  return target;
}
