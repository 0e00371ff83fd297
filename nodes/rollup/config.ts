import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../server/core/types.js';
import { AGGREGATES } from './accumulator.js';
import { DAY, DURATION_PATTERN, parseDuration } from './duration.js';
import { isKnownTimeZone } from './time-zone.js';

const Duration = (title: string, description: string, fallback: string) =>
  Type.String({ title, default: fallback, pattern: DURATION_PATTERN, description });
const OptionalDuration = (title: string, description: string) =>
  Type.String({ title, default: '', pattern: `^$|${DURATION_PATTERN}`, description });

/** Most windows one record may belong to (size / hop). */
export const MAX_WINDOWS_PER_RECORD = 1000;
const RESERVED = new Set(['window_start', 'window_end', 'count']);

export const rollupConfig = Type.Object({
  window: Duration('Window', 'Window size: an integer and a unit (ms, s, m, h, d), e.g. `1m`, `15m`, `1h`, `1d`.', '1h'),
  hop: OptionalDuration('Hop', 'Hopping windows: a new window starts every `hop` (it must divide the size); empty = tumbling windows.'),
  timeZone: Type.String({ title: 'Time zone', default: 'UTC', minLength: 1, description: 'IANA time zone whose local days (and sub-hour offsets) window boundaries follow, e.g. `Europe/Paris`.' }),
  timeField: Type.String({ title: 'Time field', default: 'ts', minLength: 1, description: 'Field (dotted path) holding the event time in epoch milliseconds.' }),
  keyBy: Type.Array(Type.String({ minLength: 1 }), { title: 'Key by', default: ['sensor'], description: 'Fields (dotted paths) grouping the records, e.g. `["region"]`; each becomes a column of the rows. Empty = one group.' }),
  aggregates: Type.Array(Type.Object({
    field: Type.String({ title: 'Field', minLength: 1, description: 'Numeric field (dotted path) to aggregate.' }),
    aggregates: Type.Array(Type.Union(AGGREGATES.map((a) => Type.Literal(a))), { title: 'Aggregates', minItems: 1, description: `Any of ${AGGREGATES.join(', ')}.` }),
    as: Type.Optional(Type.String({ title: 'Output column', minLength: 1, description: 'Column prefix; defaults to the field. Columns are `<prefix>_<aggregate>`.' })),
  }, { additionalProperties: false }), { title: 'Aggregates', default: [{ field: 'value', aggregates: ['mean', 'min', 'max'] }], description: 'Aggregates per field.' }),
  allowedLateness: Duration('Allowed lateness', 'How far behind the newest event time a record may be and still update its open window: watermark = newest event time − allowed lateness.', '0s'),
  lateRecords: Type.Union([Type.Literal('late'), Type.Literal('update')], { title: 'Late records', default: 'late', description: '`late`: records for closed windows leave by `late`. `update`: they update the closed window, which is emitted again.' }),
  updateHorizon: OptionalDuration('Update horizon', 'Update mode: how long after the watermark passed its end a closed window still takes late records; empty = one window size.'),
  idleTimeout: OptionalDuration('Idle timeout', 'Close every open window when no record arrived for this long (journal time, driven by ticks); empty = never.'),
  maxKeys: Type.Integer({ title: 'Max keys', default: 100_000, minimum: 1, description: 'Most distinct keys held in state at once; records of further keys leave by `overflow`.' }),
  compare: Type.Array(Type.Object({
    windowsAgo: Type.Integer({ title: 'Windows ago', minimum: 1, maximum: 10_000, description: 'How many windows earlier (3 with `1h` windows = 3 hours earlier).' }),
    columns: Type.Array(Type.String({ minLength: 1 }), { title: 'Columns', minItems: 1, description: 'Row columns to compare, e.g. `["value_mean"]`.' }),
  }, { additionalProperties: false }), { title: 'Compare', default: [], description: 'Adds `<column>_prev<k>` (the same key\'s value k windows earlier) and `<column>_diff<k>` (current − earlier) to each row.' }),
}, { additionalProperties: false });

export type RollupConfig = Static<typeof rollupConfig>;

/** Output columns of the aggregates, in row order. */
export function aggregateColumns(cfg: RollupConfig): string[] {
  return cfg.aggregates.flatMap((a) => a.aggregates.map((g) => `${a.as ?? a.field}_${g}`));
}

export function checkRollup(cfg: RollupConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const size = parseDuration(cfg.window);
  const hop = cfg.hop === '' ? size : parseDuration(cfg.hop);
  if (size === undefined || size === 0) problems.push({ path: '/window', message: `"${cfg.window}" is not a positive duration` });
  if (hop === undefined || hop === 0) problems.push({ path: '/hop', message: `"${cfg.hop}" is not a positive duration` });
  if (size && hop) {
    if (size % hop !== 0) problems.push({ path: '/hop', message: `hop ${cfg.hop} must divide the window size ${cfg.window}` });
    else if (size / hop > MAX_WINDOWS_PER_RECORD) problems.push({ path: '/hop', message: `window ${cfg.window} every ${cfg.hop} puts each record in ${size / hop} windows (most: ${MAX_WINDOWS_PER_RECORD})` });
    if (hop > DAY && hop % DAY !== 0) problems.push({ path: cfg.hop === '' ? '/window' : '/hop', message: 'windows longer than a day must step by whole days' });
  }
  if (!isKnownTimeZone(cfg.timeZone)) problems.push({ path: '/timeZone', message: `unknown time zone "${cfg.timeZone}" (expected an IANA name such as Europe/Paris)` });
  const columns = aggregateColumns(cfg);
  const seen = new Set<string>();
  for (const c of columns) {
    if (RESERVED.has(c)) problems.push({ path: '/aggregates', message: `column "${c}" clashes with a built-in column (use "as" to rename)` });
    else if (seen.has(c)) problems.push({ path: '/aggregates', message: `column "${c}" appears twice (use "as" to rename)` });
    seen.add(c);
  }
  cfg.keyBy.forEach((k, i) => {
    if (seen.has(k) || RESERVED.has(k)) problems.push({ path: `/keyBy/${i}`, message: `key field "${k}" has the name of an output column` });
  });
  const known = new Set(['count', ...columns]);
  cfg.compare.forEach((c, i) => c.columns.forEach((col, j) => {
    if (!known.has(col)) problems.push({ path: `/compare/${i}/columns/${j}`, message: `"${col}" is not a column of the rows (known: ${[...known].join(', ')})` });
  }));
  return problems;
}
