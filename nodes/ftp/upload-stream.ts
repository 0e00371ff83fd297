import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { protocolError } from './replies.js';

export interface StoredFile {
  path: string;
  size: number;
  sha256: string;
}

export class FileTooLargeError extends Error {
  constructor(limit: number) {
    super(`file larger than the limit of ${limit} bytes`);
    this.name = 'FileTooLargeError';
  }
}

const PARTIAL = /^\..+\.[0-9a-f]{12}\.upload$/;

const partialName = (target: string): string => join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.upload`);

/**
 * Deletes the partial files of uploads a crash interrupted (their clients got no 226 and upload again);
 * run before the server listens, when no upload is in progress. Returns how many were removed.
 */
export async function removePartials(dir: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) removed += await removePartials(path);
    else if (e.isFile() && PARTIAL.test(e.name)) {
      await unlink(path);
      removed++;
    }
  }
  return removed;
}

/** fsync of a directory makes a rename in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Where an FTP upload goes: a hidden partial file next to the target, hashed as it is written. When
 * the data connection ends cleanly, `final` fsyncs it, renames it to its name and runs `complete`
 * (the ingestion) before calling back, so ftp-srv answers 226 only after the journal commit; `admit`
 * may refuse the file before it replaces the stored one. A
 * destroyed upload (connection reset, size limit) removes the partial file: no file, no records.
 */
export class UploadStream extends Writable {
  private handle: FileHandle | undefined;
  private readonly partial: string;
  private readonly hash = createHash('sha256');
  private size = 0;

  constructor(
    readonly target: string,
    private readonly maxBytes: number,
    /** May refuse the file, by throwing, before it replaces what is stored under its name. */
    private readonly admit: (file: StoredFile) => void,
    private readonly complete: (file: StoredFile) => Promise<void>,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.partial = partialName(target);
  }

  override async _construct(callback: (error?: Error | null) => void): Promise<void> {
    try {
      this.handle = await open(this.partial, 'wx');
      callback();
    } catch (err) {
      // ftp-srv replies with the message: `ENOENT … open '/srv/…'` would tell the client the server's paths.
      callback(protocolError(err));
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new FileTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    this.handle!.write(chunk).then(() => callback(), (err: unknown) => callback(protocolError(err)));
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    this.size += buffers.reduce((n, b) => n + b.length, 0);
    if (this.size > this.maxBytes) {
      callback(new FileTooLargeError(this.maxBytes));
      return;
    }
    for (const b of buffers) this.hash.update(b);
    this.handle!.writev(buffers).then(() => callback(), (err: unknown) => callback(protocolError(err)));
  }

  override async _final(callback: (error?: Error | null) => void): Promise<void> {
    try {
      const handle = this.handle!;
      await handle.sync();
      await handle.close();
      this.handle = undefined;
      // ftp-srv ends the stream before destroying it when the data connection fails: never ingest then.
      if (this.destroyed) return callback();
      const file = { path: this.target, size: this.size, sha256: this.hash.digest('hex') };
      this.admit(file);
      await rename(this.partial, this.target);
      await syncDir(dirname(this.target));
      await this.complete(file);
      callback();
    } catch (err) {
      callback(protocolError(err));
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    const cleanup = async (): Promise<void> => {
      if (handle) await handle.close();
      // After a clean end the partial file was renamed already; only an unfinished upload leaves one.
      await unlink(this.partial).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    };
    cleanup().then(() => callback(error), (err: Error) => callback(error ?? err));
  }
}
