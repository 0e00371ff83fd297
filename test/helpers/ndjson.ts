import { existsSync, readFileSync } from 'node:fs';

/**
 * The complete lines of an NDJSON file a sink may be writing at this very moment (or was killed
 * writing): a last line without its newline is not a record yet.
 */
export function readNdjson<T = unknown>(file: string): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as T);
}
