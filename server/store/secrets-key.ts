import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES, keyId } from './secret-cipher.js';

export const KEY_ENV = 'SLUICE_SECRETS_KEY';
export const DEFAULT_KEY_FILE = 'secrets.key';

/** The key that encrypts the secrets store, and where it came from (for messages: never the key itself). */
export interface SecretsKey {
  key: Buffer;
  id: string;
  /** `SLUICE_SECRETS_KEY` or `key file <path>`. */
  origin: string;
  /** The key file path, when the key came from one. */
  file?: string;
  /** True when this start created the default key file. */
  created: boolean;
  /** Things the operator should fix (e.g. a key file readable by others). */
  warnings: string[];
}

export class SecretsKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsKeyError';
  }
}

export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** A key is 32 bytes written in base64 (one line; surrounding whitespace is ignored). */
export function parseKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new SecretsKeyError(`${origin} is not base64: a secrets key is ${KEY_BYTES} random bytes in base64 (make one with \`npx sluice secrets generate-key\`)`);
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretsKeyError(`${origin} holds ${key.length} bytes; a secrets key is ${KEY_BYTES} bytes in base64 (make one with \`npx sluice secrets generate-key\`)`);
  }
  return key;
}

function fromFile(path: string, created: boolean): SecretsKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretsKeyError(`cannot read the secrets key file ${path}: ${(err as Error).message}`);
  }
  const key = parseKey(text, `the secrets key file ${path}`);
  const warnings: string[] = [];
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) warnings.push(`the secrets key file ${path} is readable by other users (mode ${mode.toString(8)}): chmod 600 ${path}`);
  return { key, id: keyId(key), origin: `key file ${path}`, file: path, created, warnings };
}

/** Writes a key file that only its owner can read, atomically (a crash leaves the old file or the new one). */
export function writeKeyFile(path: string, base64Key: string, options: { replace: boolean }): void {
  if (!options.replace && existsSync(path)) throw new SecretsKeyError(`the secrets key file ${path} already exists; it is never overwritten`);
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${base64Key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/**
 * Where the key comes from, in this order: `SLUICE_SECRETS_KEY` (base64), an explicit key file, or the
 * default `<data>/secrets.key`, created on the first start. Giving both the variable and a file is refused:
 * silently preferring one would encrypt new secrets with a key the operator did not mean.
 */
export function loadSecretsKey(options: { dataDir: string; file?: string; env?: string }): SecretsKey {
  const { env, file } = options;
  if (env !== undefined && env !== '' && file !== undefined) {
    throw new SecretsKeyError(`both ${KEY_ENV} and --secrets-key-file ${file} are given; keep one`);
  }
  if (env !== undefined && env !== '') {
    const key = parseKey(env, KEY_ENV);
    return { key, id: keyId(key), origin: KEY_ENV, created: false, warnings: [] };
  }
  if (file !== undefined) {
    if (!existsSync(file)) {
      throw new SecretsKeyError(`the secrets key file ${file} does not exist; restore it from your backup, or for a new installation create one with \`npx sluice secrets generate-key --out ${file}\``);
    }
    return fromFile(file, false);
  }
  const path = join(options.dataDir, DEFAULT_KEY_FILE);
  if (existsSync(path)) return fromFile(path, false);
  writeKeyFile(path, generateKey(), { replace: false });
  return fromFile(path, true);
}
