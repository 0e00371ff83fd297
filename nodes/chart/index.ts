import { join } from 'node:path';
import { defineNode } from '../../server/core/define-node.js';
import { UnavailableError } from '../../server/core/failure.js';
import { QueryError } from '../../server/core/query-error.js';
import type { Outputs } from '../../server/core/types.js';
import { LiveThrottle } from '../dashboard/live.js';
import { placement, PLACEMENT_DOCS, WIDGET_REFUSES_REFERENCES } from '../dashboard/placement.js';
import { ChartConfigSchema, chartLook, checkChart, rangeMs, retentionMs } from './config.js';
import { HistoryStore } from './history-store.js';
import { ChartIngest } from './ingest.js';
import { LivePoints } from './live-points.js';
import { rangeParams, histogramParams } from './query-params.js';

/** Past this many points in memory, process() commits without waiting for the checkpoint barrier. */
const COMMIT_EVERY_POINTS = 200_000;
/** Retention is applied at most this often (journal time). */
const PRUNE_EVERY_MS = 60_000;
const STATUS_EVERY_MS = 1000;

export default defineNode({
  type: 'chart',
  category: 'sink',
  label: 'chart',
  inputs: { in: 'readings: a time, a series name and numeric values' },
  outputs: { invalid: 'readings the chart cannot show: { record, reason, node }' },
  config: ChartConfigSchema,
  check: checkChart,
  refusesReferences: WIDGET_REFUSES_REFERENCES,
  docs: `A dashboard chart: lines, bars or points over time (or a histogram of one series), with limit lines,
that keeps its history on the server.

**Series.** Each reading gives one point per \`values\` field, in the series named by its \`seriesField\`
(\`sensor\`: one line per sensor; with several value fields, one per sensor and field, e.g. "s1 peak"). The
time is \`tsField\` (epoch ms, or ISO 8601 with a zone), kept to the millisecond. A null value is a gap.
\`where\` keeps only the records meeting its conditions (one quantity of a rollup of several).

**History.** The widget keeps \`retentionDays\` of points in its own store in the node's data directory,
committed (and fsynced) at every checkpoint barrier of the flow. A point at a time the series already has
replaces it, so a replay after a crash writes no point twice and a corrected reading (a rollup window
updated by late data) shows its new value. A page (re)opened, or a server restarted, shows the history at
once; new points reach open pages live, at most every \`liveIntervalMs\`.

**Downsampling.** The page asks for its time range at its pixel width and gets, per pixel column, the
first, last, smallest and largest point (M4): the line is the one every point would draw, so one spike in
a day of 1 Hz data is still there zoomed out, and a day of 6 series is a few thousand points per series.
Zooming in (drag across the chart) fetches finer data, down to every point.

**Not shown, with the reason, on \`invalid\`:** values that are not numbers, readings without a time or
with a time more than \`futureMs\` ahead of the server's clock (judged on the journal's time, so a replay
judges alike) or older than the retention, and readings of series beyond \`maxSeries\` — the node's status
then says how many series were refused, so 10,000 sensors on one chart cost bounded memory and say so.

**Queries** (\`GET /api/flows/<flow>/nodes/<node>/query/<name>\`, and through the dashboard page):
\`range?from=&to=&width=&series=a,b\` (epoch ms; width in pixels, 10..4000) answers
\`{ from, to, width, bucketMs, series: [{ key, color, points, ts, values }] }\`; \`series\` lists the series
with their size and span; \`histogram?series=&from=&to=\` (kind \`histogram\`) answers bucket counts.

${PLACEMENT_DOCS}

Example: \`{ "dashboard": { "page": "site-a", "group": "Noise", "width": 8 }, "values": [{ "field": "laeq" }],
"unit": "dB(A)", "limits": [{ "value": 75, "label": "75 dB(A) day limit", "level": "warning" }], "range": "6h" }\``,

  widget: (cfg) => placement(cfg, 'chart', { look: chartLook(cfg), values: cfg.values.map((v) => v.label || v.field), seriesField: cfg.seriesField }),

  create(cfg, ctx) {
    let store: HistoryStore | undefined;
    let ingest: ChartIngest | undefined;
    const live = new LivePoints();
    const throttle = new LiveThrottle(ctx, cfg.liveIntervalMs, () => {
      const points = live.take();
      return points && { points };
    });
    let now = 0;
    let prunedAt = 0;
    let statusAt = 0;

    const opened = (): HistoryStore => {
      if (!store) throw new QueryError(`chart "${ctx.nodeId}" is not running`);
      return store;
    };

    function commit(): void {
      try {
        opened().commit();
      } catch (err) {
        // The points stay in memory and the checkpoint waits: the journal replays whatever is not stored.
        throw new UnavailableError(`the chart's history could not be written: ${(err as Error).message}`, { cause: err });
      }
    }

    function report(force = false): void {
      if (!ingest || (!force && Date.now() - statusAt < STATUS_EVERY_MS)) return;
      statusAt = Date.now();
      const c = ingest.counts;
      const series = opened().seriesCount;
      const shown = `${series} series, ${c.points.toLocaleString('en')} points written since start`;
      const notShown = c.refused > c.capped ? `; ${(c.refused - c.capped).toLocaleString('en')} readings not shown (last: ${c.lastReason})` : '';
      if (c.capped > 0) {
        ctx.status({
          state: 'refused',
          text: `series cap of ${cfg.maxSeries} reached: ${c.capped.toLocaleString('en')} readings of ${c.cappedSeries.toLocaleString('en')}${c.cappedSeries >= 100_000 ? '+' : ''} more series refused (on invalid)${notShown}`,
        });
      } else {
        ctx.status({ state: 'running', text: shown + notShown });
      }
    }

    return {
      start() {
        store = HistoryStore.open(join(ctx.dataDir, 'history.db'));
        const s = store;
        ingest = new ChartIngest(cfg, ctx.nodeId, s, (key, ts, v) => {
          live.add(key, s.colorOf(key) ?? 0, ts, v);
        });
        ctx.status({ state: 'running', text: `${s.seriesCount} series in the history` });
      },
      process(batch, meta): Outputs | void {
        now = Math.max(now, meta.ts);
        const invalid = ingest!.take(batch, now);
        if (opened().pending >= COMMIT_EVERY_POINTS) commit();
        if (now - prunedAt >= PRUNE_EVERY_MS) {
          prunedAt = now;
          opened().prune(now - retentionMs(cfg));
        }
        throttle.changed();
        report(invalid.length > 0 && ingest!.counts.refused === invalid.length);
        return invalid.length ? { invalid } : undefined;
      },
      flush() {
        commit();
        report(true);
      },
      stop() {
        throttle.stop();
        try {
          store?.commit();
        } finally {
          store?.close();
          store = undefined;
        }
      },
      queries: {
        range(params) {
          const q = rangeParams(params, Date.now(), rangeMs(cfg));
          return opened().range({ ...q, bars: cfg.kind === 'bars' });
        },
        series() {
          return { series: opened().list(), maxSeries: cfg.maxSeries, refusedSeries: ingest?.counts.cappedSeries ?? 0 };
        },
        histogram(params) {
          const q = histogramParams(params, Date.now(), rangeMs(cfg));
          return opened().histogram({ ...q, buckets: cfg.histogram.buckets, min: cfg.histogram.min ?? null, max: cfg.histogram.max ?? null });
        },
      },
    };
  },
});
