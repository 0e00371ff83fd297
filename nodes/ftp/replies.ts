/**
 * What an FTP client is told when something fails. ftp-srv answers with `err.message`, and Node's
 * file system errors quote the server path (`ENOENT: no such file or directory, open '/var/lib/…'`):
 * they are turned into protocol words here, and every reply is scrubbed of server paths as a last net.
 */

const WORDS: { [code: string]: string } = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'permission denied',
  ENOSPC: 'no space left on the server: try again later',
  EDQUOT: 'no space left on the server: try again later',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'no such file or directory',
  EBUSY: 'busy: try again later',
  EMFILE: 'busy: try again later',
  ENFILE: 'busy: try again later',
  EINVAL: 'invalid name',
  EXDEV: 'cannot move across directories',
};

/** An error whose message is fit for an FTP reply: a file system error becomes its protocol words. */
export function protocolError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && (err as NodeJS.ErrnoException).syscall !== undefined) {
    const words = new Error(WORDS[code] ?? 'the server could not do that');
    words.name = 'FtpFileSystemError';
    return words;
  }
  return err;
}

/** Calls `fn`, turning a thrown or rejected file system error into protocol words. */
export function inProtocolWords<T>(fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    throw protocolError(err);
  }
  // ftp-srv's own methods return bluebird promises: anything thenable is awaited.
  if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
    return Promise.resolve(result).catch((err: unknown) => { throw protocolError(err); }) as T;
  }
  return result;
}

/**
 * Removes each server directory of `dirs` from a reply's text, longest first, so a path below the user's
 * own root reads as the client's path (`/srv/…/users/site-a/x.csv` → `/x.csv`).
 */
export function scrubServerPaths(text: string, dirs: string[]): string {
  let out = text;
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    if (dir.length > 1) out = out.split(dir).join('');
  }
  return out;
}
