import { existsSync, realpathSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { FileSystem } from 'ftp-srv';
import type { UploadStream } from './upload-stream.js';

/** ftp-srv answers 550 with this message. */
export class OutsideJailError extends Error {
  constructor() {
    super('Path outside your directory');
    this.name = 'OutsideJailError';
  }
}

export type Refusal = 'traversal' | 'symlink';

/** What the jail asks of the node: uploads, renames, and counting refusals. */
export interface JailHooks {
  refused(kind: Refusal, detail: string): void;
  upload(fsPath: string, clientPath: string): UploadStream;
  rename(from: { fsPath: string; clientPath: string }, to: { fsPath: string; clientPath: string }): Promise<void>;
}

/** `..` that would climb above the root: ftp-srv silently clamps it, we refuse it. */
function climbsAboveRoot(cwd: string, path: string): boolean {
  const full = path.replace(/\\/g, '/');
  let depth = 0;
  for (const segment of (full.startsWith('/') ? full : `${cwd}/${full}`).split('/')) {
    if (segment === '..') depth--;
    else if (segment !== '' && segment !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * ftp-srv's file system confined for real: ftp-srv only normalises paths lexically, so a symlink in a
 * user's directory would lead anywhere. Every path is resolved to its real location (through the
 * deepest existing ancestor) and must stay under the real root. Client paths starting with `/` are
 * relative to the user's own root.
 */
export class JailFs extends FileSystem {
  private readonly realRoot: string;

  constructor(connection: ConstructorParameters<typeof FileSystem>[0], root: string, private readonly hooks: JailHooks) {
    super(connection, { root, cwd: '/' });
    this.realRoot = realpathSync(root);
  }

  _resolvePath(path = '.'): { clientPath: string; fsPath: string } {
    if (path.includes('\0') || climbsAboveRoot(this.cwd, path)) {
      this.hooks.refused('traversal', path);
      throw new OutsideJailError();
    }
    const resolved = (FileSystem.prototype as unknown as { _resolvePath(p: string): { clientPath: string; fsPath: string } })._resolvePath.call(this, path);
    let existing = resolved.fsPath;
    while (!existsSync(existing) && existing !== dirname(existing)) existing = dirname(existing);
    const real = realpathSync(existing);
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
      this.hooks.refused('symlink', path);
      throw new OutsideJailError();
    }
    return resolved;
  }

  override write(fileName: string): { stream: UploadStream; clientPath: string } {
    const { fsPath, clientPath } = this._resolvePath(fileName);
    return { stream: this.hooks.upload(fsPath, clientPath), clientPath };
  }

  override rename(from: string, to: string): Promise<void> {
    return this.hooks.rename(this._resolvePath(from), this._resolvePath(to));
  }
}
