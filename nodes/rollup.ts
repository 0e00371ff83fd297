import { defineNode } from '../server/core/define-node.js';
import type { Outputs } from '../server/core/types.js';
import { fieldGetter } from './lib/field-path.js';
import type { FieldSpec } from './rollup/accumulator.js';
import { checkRollup, rollupConfig, type RollupConfig } from './rollup/config.js';
import { parseDuration } from './rollup/duration.js';
import { RollupEngine, type RollupSettings } from './rollup/engine.js';
import { keyReader } from './rollup/keys.js';
import { windowGrid } from './rollup/window-grid.js';

function fieldSpecs(cfg: RollupConfig): FieldSpec[] {
  return cfg.aggregates.map((a) => ({
    path: a.field,
    get: fieldGetter(a.field),
    columns: a.aggregates.map((aggregate) => ({ name: `${a.as ?? a.field}_${aggregate}`, aggregate })),
    stddev: a.aggregates.includes('stddev'),
    sketch: a.aggregates.some((g) => g === 'p50' || g === 'p95' || g === 'p99'),
  }));
}

/** The engine's settings from a config that passed the schema and `checkRollup`. */
export function rollupSettings(cfg: RollupConfig, nodeId: string): RollupSettings {
  const size = parseDuration(cfg.window)!;
  const hop = cfg.hop === '' ? size : parseDuration(cfg.hop)!;
  return {
    nodeId,
    grid: windowGrid(size, hop, cfg.timeZone),
    timeField: cfg.timeField,
    getTs: fieldGetter(cfg.timeField),
    keyFields: cfg.keyBy,
    keys: keyReader(cfg.keyBy.map(fieldGetter)),
    fields: fieldSpecs(cfg),
    allowedLateness: parseDuration(cfg.allowedLateness)!,
    lateRecords: cfg.lateRecords,
    updateHorizon: cfg.updateHorizon === '' ? size : parseDuration(cfg.updateHorizon)!,
    idleTimeout: cfg.idleTimeout === '' ? 0 : parseDuration(cfg.idleTimeout)!,
    maxKeys: cfg.maxKeys,
    compare: cfg.compare,
  };
}

export default defineNode({
  type: 'rollup',
  category: 'process',
  label: 'rollup',
  inputs: { in: 'records with an event time' },
  outputs: {
    out: 'one row per closed window and key: { window_start, window_end, <keys>, count, <field>_<aggregate>, … }',
    late: 'records for windows already closed: { record, reason, node }',
    invalid: 'records without a valid event time or with a non-numeric aggregated field: { record, reason, node }',
    overflow: 'records of new keys past maxKeys: { record, reason, node }',
  },
  config: rollupConfig,
  check: checkRollup,
  stateKeys: (cfg) => cfg.keyBy,
  // Windowing is pure: a retry would give the same result.
  retry: { maxAttempts: 1 },
  docs: `Aggregates records into time windows over **event time**, per key, and emits one row per window
and key once the window closes. Place it anywhere in a flow: near the source to cut volume, or before a sink.

**Windows.** \`window\` is the size (\`1m\`, \`15m\`, \`1h\`, \`1d\`; units ms, s, m, h, d). Without \`hop\` windows
tumble; with \`hop\` (dividing the size) a window starts every hop and each record belongs to size/hop windows.
A window is \`[window_start, window_end)\`: a record exactly at a boundary belongs to the next window.
Boundaries are aligned on the epoch in \`timeZone\` (IANA, default UTC): \`1d\` windows run from local midnight to
local midnight, so in Europe/Paris 2026-03-29 lasts 23 hours and 2026-10-25 25 hours; windows shorter than a day
have a fixed length, shifted by the zone's sub-hour offset (\`1h\` in Asia/Kolkata starts at :30 UTC).
Windows longer than a day step by whole local days.

**Rows**: \`{ window_start, window_end, <keyBy fields>, count, <prefix>_<aggregate>, … }\`, times in epoch ms,
\`count\` = records in the window. Per field: \`count\` (records with a value), \`sum\`, \`mean\`, \`min\`, \`max\`,
\`first\`/\`last\` (earliest/latest event time; ties keep arrival order), \`stddev\` (**sample** standard deviation,
n−1; null below 2 values), \`interval\` (the mean gap between consecutive values once sorted, (max − min) / (count − 1),
null below 2 values: on the time field, \`{ "field": "ts", "aggregates": ["interval"] }\`, the mean time between readings within
the window), \`p50\`/\`p95\`/\`p99\` from a DDSketch-style log-bucket sketch with **1% relative
accuracy**: the result is within 1% of the exact lower quantile (the value at rank ⌊q·(n−1)⌋ of the sorted values).
A record whose aggregated field is missing or null counts in \`count\` only; a non-numeric value sends the record to
\`invalid\`. No row is emitted for a key without records in a window (empty windows are not emitted). The rows of one
batch or tick are sorted by window, then by key (code-unit order of the key text), so a replay gives identical output.
Records missing a key field are grouped under null.

**Watermark and lateness.** watermark = newest event time seen − \`allowedLateness\`; a window closes (and its rows
are emitted) as soon as the watermark reaches its end, record by record. A record for an open window is taken even
when behind the newest time. A record for a closed window is late: with \`lateRecords: "late"\` it leaves by \`late\`;
with \`"update"\` it updates the window, which is emitted again in full (for \`updateHorizon\` past its close, then
\`late\`). With hopping windows a record can be late for some of its windows and still counted in its open ones.
\`idleTimeout\` closes every window holding records when no batch arrived for that long, measured on journaled ticks;
a record for those windows is then late.

**Compare with earlier windows.** \`compare: [{ "windowsAgo": 3, "columns": ["value_mean"] }]\` adds
\`value_mean_prev3\` (the same key's value 3 windows earlier) and \`value_mean_diff3\` (current − earlier); both are
null when that earlier window emitted no row for the key. With hopping windows, one window ago is one hop earlier.

**State** (open windows, and recent rows for compare) is checkpointed and restored, so a restart replays to identical
rows. At most \`maxKeys\` distinct keys are held; records of a new key past the bound leave by \`overflow\` with the
reason (wire it: they are not aggregated), and the node shows an error status.

Example, hourly mean per region with the value 3 hours earlier:
\`{ "window": "1h", "keyBy": ["region"], "aggregates": [{ "field": "value", "aggregates": ["mean", "max", "p95"] }],
"allowedLateness": "5m", "compare": [{ "windowsAgo": 3, "columns": ["value_mean"] }] }\``,

  create(cfg, ctx) {
    const engine = new RollupEngine(rollupSettings(cfg, ctx.nodeId));
    return {
      process(batch, meta): Outputs {
        const res = engine.process(batch, meta.ts);
        if (res.overflow.length > 0) {
          const text = `max keys ${cfg.maxKeys} reached: ${res.overflow.length} records sent to overflow`;
          ctx.status({ state: 'error', text });
          ctx.log.warn(text, { node: ctx.nodeId });
        }
        return res;
      },
      tick(now): Outputs {
        return { out: engine.tick(now) };
      },
      snapshot: () => engine.snapshot(),
      restore: (saved) => engine.restore(saved),
      queries: { state: () => engine.stats() },
    };
  },
});
