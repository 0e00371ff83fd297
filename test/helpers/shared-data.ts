import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The France reference data shared between engineers (never copied into the repository):
 * `$SLUICE_SHARED_DATA/france` (or `$SLUICE_SHARED_DATA` itself when it is the france folder),
 * else `../shared/data/france` next to the repository.
 */
export function franceDataDir(): string {
  const env = process.env.SLUICE_SHARED_DATA;
  if (env) return existsSync(join(env, 'france')) ? join(env, 'france') : env;
  // This file runs from dist/test/helpers/: the repository root is three levels up.
  const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
  return resolve(repo, '../shared/data/france');
}
