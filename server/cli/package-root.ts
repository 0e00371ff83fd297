import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of Sluice's package.json, found from this module's location so bundled files
 * (flows/demo.json) resolve the same whether the CLI runs from the source tree, dist/ or an install.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'sluice') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the sluice package root');
    dir = parent;
  }
}

/** The `version` of Sluice's package.json, for `sluice_build_info` and the like. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
