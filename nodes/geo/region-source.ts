import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../server/core/types.js';
import { parseRegions, type RegionSet } from './geojson.js';

export interface SourceOptions {
  /** Where the downloaded copy is cached (the node's data directory); only read for URLs. */
  cacheDir: () => string;
  timeoutMs: number;
  signal: AbortSignal;
  log: Logger;
}

/** Where the regions in use came from, for the node's status and the tests. */
export type Origin = 'file' | 'downloaded' | 'not-modified' | 'cache-offline';

interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
}

const CACHE_FILE = 'regions.geojson';
const META_FILE = 'regions.meta.json';

export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** Loads a region set from a file path or an http(s) URL (revalidated against the cached copy). */
export async function loadRegions(source: string, options: SourceOptions): Promise<{ set: RegionSet; origin: Origin }> {
  if (!isUrl(source)) {
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the regions file ${source}: ${(err as Error).message}`);
    }
    return { set: parseRegions(text, source), origin: 'file' };
  }
  return loadUrl(source, options);
}

async function loadUrl(url: string, options: SourceOptions): Promise<{ set: RegionSet; origin: Origin }> {
  const dir = options.cacheDir();
  const cached = await readCache(dir, url);
  const headers: { [name: string]: string } = {};
  if (cached?.meta.etag) headers['if-none-match'] = cached.meta.etag;
  if (cached?.meta.lastModified) headers['if-modified-since'] = cached.meta.lastModified;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) });
  } catch (err) {
    return offline(url, cached, `${(err as Error).message}${causeOf(err)}`, options.log);
  }
  if (response.status === 304 && cached) {
    await response.body?.cancel();
    return { set: parseRegions(cached.text, `${url} (cached copy)`), origin: 'not-modified' };
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return offline(url, cached, `HTTP ${response.status}`, options.log);
  }
  const text = await response.text();
  // Validated before it replaces the cache: a broken download must not destroy a good copy.
  const set = parseRegions(text, url);
  const meta: CacheMeta = { url };
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  if (etag) meta.etag = etag;
  if (lastModified) meta.lastModified = lastModified;
  await writeAtomically(join(dir, CACHE_FILE), text);
  await writeAtomically(join(dir, META_FILE), JSON.stringify(meta));
  return { set, origin: 'downloaded' };
}

function offline(url: string, cached: { text: string } | undefined, problem: string, log: Logger): { set: RegionSet; origin: Origin } {
  if (!cached) throw new Error(`cannot download the regions from ${url} (${problem}) and there is no cached copy yet`);
  log.warn('regions not revalidated; using the cached copy', { url, problem });
  return { set: parseRegions(cached.text, `${url} (cached copy)`), origin: 'cache-offline' };
}

/** The cached copy of this URL, if any: a cache of another URL (the config changed) does not count. */
async function readCache(dir: string, url: string): Promise<{ text: string; meta: CacheMeta } | undefined> {
  let metaText: string;
  try {
    metaText = await readFile(join(dir, META_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const meta = JSON.parse(metaText) as CacheMeta;
  if (meta.url !== url) return undefined;
  return { text: await readFile(join(dir, CACHE_FILE), 'utf8'), meta };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** fetch() reports "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, timeout) is in `cause`. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause ? `: ${cause.code ?? cause.message ?? String(cause)}` : '';
}
