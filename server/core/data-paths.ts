import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/*
 * The file-system half of "names are names, never paths" (the rule itself is names.ts): every data path
 * built from a user's name is resolved here, below its root, whatever got past the schema.
 */

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
