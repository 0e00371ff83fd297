import { QueryError } from '../../server/core/query-error.js';

const TEN_YEARS = 10 * 365 * 86_400_000;

function integer(params: { [key: string]: string }, name: string, fallback: number): number {
  const text = params[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new QueryError(`${name} must be a whole number (epoch milliseconds or pixels), got "${text}"`);
  return n;
}

/** from/to in epoch ms (default: the chart's range up to now), checked. */
function span(params: { [key: string]: string }, now: number, defaultMs: number): { from: number; to: number } {
  const to = integer(params, 'to', now);
  const from = integer(params, 'from', to - defaultMs);
  if (from >= to) throw new QueryError(`from (${from}) must be before to (${to})`);
  if (to - from > TEN_YEARS) throw new QueryError('a range spans at most ten years');
  return { from, to };
}

/** `range?from=&to=&width=&series=a,b`. */
export function rangeParams(params: { [key: string]: string }, now: number, defaultMs: number): { from: number; to: number; width: number; keys?: string[] } {
  const width = integer(params, 'width', 1000);
  if (width < 10 || width > 4000) throw new QueryError(`width is the chart's width in pixels, 10 to 4000, got ${width}`);
  const keys = params.series === undefined ? undefined : seriesList(params.series);
  return { ...span(params, now, defaultMs), width, ...(keys ? { keys } : {}) };
}

/** `histogram?series=&from=&to=`. */
export function histogramParams(params: { [key: string]: string }, now: number, defaultMs: number): { key: string; from: number; to: number } {
  if (!params.series) throw new QueryError('the series parameter is required, e.g. ?series=device-3');
  return { key: params.series, ...span(params, now, defaultMs) };
}

/** `a,b`, or a JSON array of names (for names holding a comma). */
function seriesList(text: string): string[] {
  if (!text.startsWith('[')) return text.split(',').filter(Boolean);
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new QueryError(`series: not a JSON array of names (${(err as Error).message})`);
  }
  if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) throw new QueryError('series: expected a JSON array of names');
  return list as string[];
}
