import { showValue } from '../lib/field-path.js';
import { timestampParser } from '../lib/records/timestamp.js';

const iso = timestampParser('iso8601');
/** Epoch milliseconds below this (March 1973) are almost surely seconds. */
const SECONDS_LOOK = 1e11;

/** A finite number, or a string that is one ("21.5", as many devices send): else undefined. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function notANumber(field: string, v: unknown): string {
  return `${field}: expected a number, got ${showValue(v)}`;
}

/** Epoch milliseconds from a number or an ISO 8601 time with its zone; otherwise why not. */
export function timeOf(field: string, v: unknown): number | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return `${field}: expected epoch milliseconds, got ${showValue(v)}`;
    if (Math.abs(v) < SECONDS_LOOK) return `${field}: ${v} is not epoch milliseconds (it looks like seconds: ${v * 1000}?)`;
    return v;
  }
  if (typeof v === 'string') {
    const t = iso(v);
    return typeof t === 'number' ? t : `${field}: ${t}`;
  }
  if (v === undefined || v === null) return `${field}: missing; each reading needs its time (epoch milliseconds or ISO 8601 with a zone)`;
  return `${field}: expected epoch milliseconds or ISO 8601, got ${showValue(v)}`;
}

/**
 * Why a reading's time cannot be shown, judged against the journal time of its batch (so a replay judges
 * it the same): too far ahead of the clock (a device with a wrong clock would push every other point off
 * the chart), or older than what the widget keeps.
 */
export function outOfRange(field: string, ts: number, now: number, futureMs: number, keepMs: number): string | undefined {
  if (ts > now + futureMs) {
    return `${field}: ${new Date(ts).toISOString()} is ${span(ts - now)} ahead of the server's clock (${new Date(now).toISOString()}); at most ${span(futureMs)} ahead is shown`;
  }
  if (ts < now - keepMs) return `${field}: ${new Date(ts).toISOString()} is older than the ${span(keepMs)} this widget keeps`;
  return undefined;
}

function span(ms: number): string {
  const units: [number, string][] = [[365 * 86_400_000, 'years'], [86_400_000, 'days'], [3_600_000, 'hours'], [60_000, 'minutes'], [1000, 'seconds']];
  for (const [size, name] of units) if (ms >= 2 * size) return `${Math.round(ms / size)} ${name}`;
  return `${Math.round(ms)} ms`;
}

/** What a widget sends to its `invalid` port: the record, why it is not shown, and which node said so. */
export function refused(record: unknown, reason: string, node: string): { record: unknown; reason: string; node: string } {
  return { record, reason, node };
}
