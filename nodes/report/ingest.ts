import type { BatchMeta, DataRecord } from '../../server/core/types.js';
import { fieldGetter, showValue, type FieldGetter } from '../lib/field-path.js';
import type { QuantityConfig, ReportConfig } from './config.js';
import type { ReportDataStore } from './data-store.js';

/** A run of the report, as `due` makes it from the schedule or a request, and as a dead letter keeps it. */
export interface RunRequest {
  kind: 'scheduled' | 'requested';
  /** The journaled time that made the run due: the report describes the flow as of then. */
  at: number;
  /** The schedule's instant for a scheduled run. */
  scheduledAt?: number;
  /** The period asked for; absent: the last complete period before `scheduledAt` (or `at`). */
  periodKey?: string;
  requestId?: number;
  requestedBy?: string;
}

export const RUN_FIELD = 'reportRun';

export function runOf(record: DataRecord): RunRequest | undefined {
  const run = record[RUN_FIELD];
  return run !== null && typeof run === 'object' && ((run as RunRequest).kind === 'scheduled' || (run as RunRequest).kind === 'requested') ? run as RunRequest : undefined;
}

/** `{ record, reason }` from validate, `{ reason, raw }` from a receiver: readings the flow refused, wired here to be counted. */
function refusedOf(record: DataRecord): { reason: string; inner: DataRecord | undefined } | undefined {
  if (typeof record.reason !== 'string') return undefined;
  const inner = record.record;
  if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) return { reason: record.reason, inner: inner as DataRecord };
  if ('raw' in record || 'line' in record) return { reason: record.reason, inner: undefined };
  return undefined;
}

function time(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

function numeric(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/**
 * Sorts what reaches a report node: rollup windows into its store, refused readings into its invalid
 * counts, runs aside for the caller; a row it cannot place comes back with the reason.
 */
export class ReportIngest {
  private readonly get: { time: FieldGetter; end: FieldGetter; sensor: FieldGetter; quantity: FieldGetter | undefined; count: FieldGetter | undefined };
  private readonly values = new Map<string, { q: QuantityConfig; value: FieldGetter }>();
  /** Rows of quantities the report does not cover (another section's rows on the same wire): counted, not refused. */
  skipped = 0;
  /** The latest window start seen: the store keeps `keepDays` behind it, so a backfill of old data is kept too. */
  newest = -Infinity;

  constructor(private readonly cfg: ReportConfig, private readonly store: ReportDataStore, private readonly nodeId: string) {
    this.get = {
      time: fieldGetter(cfg.timeField), end: fieldGetter(cfg.endField), sensor: fieldGetter(cfg.sensorField),
      quantity: cfg.quantityField ? fieldGetter(cfg.quantityField) : undefined, count: cfg.countField ? fieldGetter(cfg.countField) : undefined,
    };
    for (const q of cfg.quantities) this.values.set(q.id, { q, value: fieldGetter(q.field) });
  }

  /** Returns the runs of the batch and the rows refused (for `invalid`). */
  take(batch: readonly DataRecord[], meta: BatchMeta): { runs: RunRequest[]; invalid: DataRecord[] } {
    const runs: RunRequest[] = [];
    const invalid: DataRecord[] = [];
    batch.forEach((record, idx) => {
      const run = runOf(record);
      if (run) {
        runs.push(run);
        return;
      }
      const refused = refusedOf(record);
      if (refused) {
        this.refused(refused, meta, idx);
        return;
      }
      const why = this.window(record);
      if (why) invalid.push({ record, reason: why, node: this.nodeId });
    });
    return { runs, invalid };
  }

  private refused({ reason, inner }: { reason: string; inner: DataRecord | undefined }, meta: BatchMeta, idx: number): void {
    const ts = inner ? time(this.get.time(inner)) ?? time(inner.ts) : undefined;
    this.store.addInvalid({
      offset: meta.offset, idx, ts: ts ?? meta.ts, reason: reason.slice(0, 300),
      sensor: inner ? text(this.get.sensor(inner)) ?? null : null,
      quantity: inner && this.get.quantity ? text(this.get.quantity(inner)) ?? null : null,
    });
  }

  /** Stores one window; the reason when it cannot. */
  private window(record: DataRecord): string | undefined {
    const quantity = this.get.quantity ? text(this.get.quantity(record)) : this.cfg.quantities[0]!.id;
    if (quantity === undefined) return `no quantity: field "${this.cfg.quantityField}" is ${showValue(this.get.quantity!(record))}`;
    const section = this.values.get(quantity);
    if (!section) {
      this.skipped++;
      return undefined;
    }
    const sensor = text(this.get.sensor(record));
    if (sensor === undefined) return `no sensor: field "${this.cfg.sensorField}" is ${showValue(this.get.sensor(record))}`;
    const start = time(this.get.time(record));
    if (start === undefined) return `no window start: field "${this.cfg.timeField}" is ${showValue(this.get.time(record))} (epoch ms or ISO 8601)`;
    const end = time(this.get.end(record)) ?? start + section.q.readingEveryMs;
    const rawCount = this.get.count ? numeric(this.get.count(record)) : null;
    const count = rawCount !== null && rawCount >= 0 ? Math.round(rawCount) : 1;
    const id = this.store.seriesId(quantity, sensor, this.cfg.maxSeries);
    if (id === undefined) return `series cap of ${this.cfg.maxSeries} reached (maxSeries): ${quantity} of ${sensor} is not kept`;
    this.store.addWindow(id, start, end, numeric(section.value(record)), count);
    if (start > this.newest) this.newest = start;
    return undefined;
  }
}
