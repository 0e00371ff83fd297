import { existsSync, realpathSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { FileSystem } from 'ftp-srv';
import { resolveUnder } from '../../server/core/data-paths.js';
import { inProtocolWords } from './replies.js';
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

/** The directory of `user` below `usersDir`; a user name that would be a path (`..`, `a/b`) throws. */
export function jailRoot(usersDir: string, user: string): string {
  return resolveUnder(usersDir, user);
}

type Resolved = { clientPath: string; fsPath: string };

/**
 * ftp-srv's file system confined for real: ftp-srv only normalises paths lexically, so a symlink in a
 * user's directory would lead anywhere. The root is the user's own directory below `usersDir`, built
 * by `resolveUnder`, so even a user name that got past the schema cannot make it a parent. Every path
 * is resolved to its real location (through the deepest existing ancestor) and must stay under the real
 * root. Client paths starting with `/` are relative to the user's own root. Failures reach the client in
 * protocol words, never with a server path.
 */
export class JailFs extends FileSystem {
  private readonly realRoot: string;

  constructor(connection: ConstructorParameters<typeof FileSystem>[0], usersDir: string, user: string, private readonly hooks: JailHooks) {
    const root = jailRoot(usersDir, user);
    super(connection, { root, cwd: '/' });
    this.realRoot = realpathSync(root);
  }

  _resolvePath(path = '.'): Resolved {
    if (path.includes('\0') || climbsAboveRoot(this.cwd, path)) {
      this.hooks.refused('traversal', path);
      throw new OutsideJailError();
    }
    const resolved = (FileSystem.prototype as unknown as { _resolvePath(p: string): Resolved })._resolvePath.call(this, path);
    let existing = resolved.fsPath;
    while (!existsSync(existing) && existing !== dirname(existing)) existing = dirname(existing);
    const real = realpathSync(existing);
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
      this.hooks.refused('symlink', path);
      throw new OutsideJailError();
    }
    return resolved;
  }

  /** Where `path` (as the client names it) is, checked like every other path of this user. */
  resolve(path: string): Resolved {
    return this._resolvePath(path);
  }

  override get(fileName: string): ReturnType<FileSystem['get']> {
    return inProtocolWords(() => super.get(fileName));
  }

  override list(path?: string): ReturnType<FileSystem['list']> {
    return inProtocolWords(() => super.list(path));
  }

  override chdir(path?: string): ReturnType<FileSystem['chdir']> {
    return inProtocolWords(() => super.chdir(path));
  }

  override read(fileName: string, options?: { start?: unknown }): ReturnType<FileSystem['read']> {
    return inProtocolWords(() => super.read(fileName, options));
  }

  override delete(path: string): ReturnType<FileSystem['delete']> {
    return inProtocolWords(() => super.delete(path));
  }

  /** ftp-srv quotes what this returns in its 257 reply: the client's path, never the server's. */
  override mkdir(path: string): Promise<string> {
    return inProtocolWords(async () => {
      const { clientPath } = this._resolvePath(path);
      await super.mkdir(path);
      return clientPath;
    });
  }

  override chmod(path: string, mode: string): ReturnType<FileSystem['chmod']> {
    return inProtocolWords(() => super.chmod(path, mode));
  }

  override write(fileName: string): { stream: UploadStream; clientPath: string } {
    return inProtocolWords(() => {
      const { fsPath, clientPath } = this._resolvePath(fileName);
      return { stream: this.hooks.upload(fsPath, clientPath), clientPath };
    });
  }

  override rename(from: string, to: string): Promise<void> {
    return inProtocolWords(() => this.hooks.rename(this._resolvePath(from), this._resolvePath(to)));
  }
}
