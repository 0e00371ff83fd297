/** A node of a Node-RED export, as it appears in flows.json: only the fields every node has are typed. */
export interface NrNode {
  id: string;
  type: string;
  z?: string;
  g?: string;
  name?: string;
  x?: number;
  y?: number;
  wires?: string[][];
  [key: string]: unknown;
}

export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback);
export const num = (v: unknown, fallback: number): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
};
export const bool = (v: unknown): boolean => v === true || v === 'true';

/** Node-RED time units to milliseconds. */
export function toMs(value: unknown, unit: unknown, fallback: number): number {
  const n = num(value, NaN);
  if (!Number.isFinite(n)) return fallback;
  const factor: { [u: string]: number } = {
    ms: 1, milliseconds: 1, millisecond: 1, s: 1000, second: 1000, seconds: 1000, sec: 1000, min: 60_000, minute: 60_000, minutes: 60_000,
    hr: 3_600_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000,
  };
  return Math.round(n * (factor[str(unit, 's')] ?? 1000));
}

/** A Sluice id from a Node-RED id: the characters flow ids allow, at most 128. */
export function safeId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128);
  return clean === '' ? '_' : clean;
}

export function slug(text: string, fallback: string): string {
  const s = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return s === '' ? fallback : s;
}
