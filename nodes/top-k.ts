import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import { QueryError } from '../server/core/query-error.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import { fieldGetter, showValue } from './lib/field-path.js';
import { describe, emptyHistogram, slotOf } from './topk/histogram.js';
import { rank, sameRanking, type Ranked } from './topk/ranking.js';
import {
  addToBuckets, beats, expire, expiredUpTo, type SensorState, type SlidingName, type WindowName,
} from './topk/sensor-windows.js';

const WINDOW_NAMES: readonly WindowName[] = ['all', 'minute', 'hour'];

const config = Type.Object({
  field: Type.String({ title: 'Field', default: 'value', minLength: 1, description: 'Field (dotted path) ranked; it must be a finite number.' }),
  sensorField: Type.String({ title: 'Sensor field', default: 'sensor', minLength: 1, description: 'Field identifying the sensor (a string or a number).' }),
  tsField: Type.String({ title: 'Timestamp field', default: 'ts', minLength: 1, description: 'Field holding the event time in epoch milliseconds, which places a reading in the minute and hour windows.' }),
  n: Type.Integer({ title: 'Ranking size', default: 10, minimum: 1, maximum: 1000, description: 'How many sensors each emitted ranking holds.' }),
  order: Type.Union([Type.Literal('highest'), Type.Literal('lowest')], { title: 'Order', default: 'highest', description: 'Rank the highest or the lowest values first.' }),
  windows: Type.Array(Type.Union(WINDOW_NAMES.map((w) => Type.Literal(w))), { title: 'Windows',
    default: ['all', 'minute', 'hour'], minItems: 1, uniqueItems: true, description: 'Windows ranked and emitted: all, minute, hour.',
  }),
  maxSensors: Type.Integer({ title: 'Max sensors', default: 10_000, minimum: 1, description: 'Sensors tracked at most; past it, the least recently seen sensor is forgotten.' }),
  histogram: Type.Object({
    min: Type.Number({ title: 'Min', default: 0, description: 'Lower bound of the first bucket.' }),
    max: Type.Number({ title: 'Max', default: 100, description: 'Upper bound of the last bucket (included).' }),
    buckets: Type.Integer({ title: 'Buckets', default: 10, minimum: 1, maximum: 1000, description: 'Number of equal-width buckets.' }),
  }, { title: 'Histogram', default: {}, additionalProperties: false, description: 'Per-sensor histogram of the field over all time, served by the histogram query.' }),
}, { additionalProperties: false });

interface Saved {
  now: number;
  /** Valid readings taken since the node first started. */
  count?: number;
  /** Least recently seen first. */
  sensors: [string, SensorState][];
  emitted: { [w in WindowName]?: Ranked[] };
}

export default defineNode({
  type: 'top-k',
  category: 'process',
  label: 'top-k',
  inputs: { in: 'readings with a sensor, a value and an event time' },
  outputs: {
    out: 'a ranking each time one changes: { window, order, field, at, top: [{ rank, sensor, value, ts }] }',
    invalid: 'readings without a usable sensor, value or time: { record, reason, node }',
  },
  config,
  // One ranking over every sensor: in a partitioned flow it needs a repartition to a single partition first.
  stateKeys: () => [],
  retry: { maxAttempts: 1 },
  docs: `Ranks sensors by the most extreme value of a field they reported, over all time, over the past
minute and over the past hour — e.g. a dashboard of the hottest devices. Each reading counts with its
own event time; a per-sensor histogram is kept too.

**Time.** "Now" is the journal time: the time of the latest batch or journaled tick the node has seen
(never the wall clock), so replaying the journal after a crash gives the same rankings and the same
emitted records. A reading belongs to the minute window while its event time is in one of the 60
one-second buckets ending with now's bucket (the hour: 60 one-minute buckets), so a reading leaves the
minute window 59 to 60 s after its event time. Readings older than a window never enter it; readings
ahead of now stay until now passes them. When readings' event times are far behind the journal time (a
backfill), only the all-time ranking fills up.

**Emitted on change.** After each batch and each tick, every configured window whose top \`n\` changed
(sensors, values or times) emits one record on \`out\`:
\`{ "window": "minute", "order": "highest", "field": "value", "at": <now>, "top": [{ "rank": 1, "sensor": "s7", "value": 31.5, "ts": <event time> }] }\`.
A sensor whose readings all left a window drops out of it, which also emits.
Ties on the value go to the earlier reading, then to the sensor id (code-point order).

**Queries** (\`GET /api/flows/<flow>/nodes/<node>/query/<name>\`):
- \`top?window=minute&n=5\`: the current ranking (window defaults to \`all\`, n to the configured \`n\`, at most \`maxSensors\`)
  as \`{ window, order, field, at, count, top }\`: \`at\` is the node's now, \`count\` the valid readings taken so far
  (since the node first started), so a client can tell which readings a ranking is based on.
- \`histogram?sensor=s7\`: that sensor's all-time histogram: \`{ sensor, field, count, below, above, buckets: [{ from, to, count }] }\`.

**Bounds.** At most \`maxSensors\` sensors are tracked (each costs about 2 KB plus its histogram). A new
sensor past the limit evicts the least recently seen one (by the journal order of their readings) from
every window and the histograms, which can change the all-time ranking; size \`maxSensors\` above the
fleet to avoid it. State is checkpointed with the flow.

Invalid readings (sensor missing, value not a finite number, time not epoch milliseconds) leave by \`invalid\`.

Example: \`{ "field": "temperature", "n": 5, "order": "highest", "histogram": { "min": -20, "max": 50, "buckets": 14 } }\``,

  check(cfg): ConfigProblem[] {
    return cfg.histogram.max > cfg.histogram.min ? [] : [{ path: '/histogram/max', message: `must be above histogram.min (${cfg.histogram.min})` }];
  },

  create(cfg, ctx) {
    const getValue = fieldGetter(cfg.field);
    const getSensor = fieldGetter(cfg.sensorField);
    const getTs = fieldGetter(cfg.tsField);
    const sliding = cfg.windows.filter((w): w is SlidingName => w !== 'all');
    const trackAll = cfg.windows.includes('all');
    let now = -Infinity;
    let count = 0;
    let sensors = new Map<string, SensorState>();
    let emitted: { [w in WindowName]?: Ranked[] } = {};

    function problem(r: DataRecord): string | undefined {
      const found: string[] = [];
      const sensor = getSensor(r), v = getValue(r), ts = getTs(r);
      if (typeof sensor !== 'string' && typeof sensor !== 'number') found.push(`${cfg.sensorField}: expected a string or a number, got ${showValue(sensor)}`);
      if (typeof v !== 'number' || !Number.isFinite(v)) found.push(`${cfg.field}: expected a finite number, got ${showValue(v)}`);
      if (typeof ts !== 'number' || !Number.isFinite(ts)) found.push(`${cfg.tsField}: expected epoch milliseconds, got ${showValue(ts)}`);
      return found.length ? found.join('; ') : undefined;
    }

    /** Moves now forward and drops expired buckets; the windows that lost something. */
    function advance(to: number, changed: Set<WindowName>): void {
      if (!(to > now)) return;
      const before = now;
      now = to;
      for (const w of sliding) {
        const upTo = expiredUpTo(w, now);
        if (upTo === expiredUpTo(w, before)) continue;
        for (const state of sensors.values()) if (expire(state[w], upTo) > 0) changed.add(w);
      }
    }

    function stateFor(sensor: string, changed: Set<WindowName>): SensorState {
      let state = sensors.get(sensor);
      if (state) {
        sensors.delete(sensor); // re-inserted last: the Map's order is least recently seen first
      } else {
        state = { all: null, minute: [], hour: [], hist: emptyHistogram(cfg.histogram) };
        if (sensors.size >= cfg.maxSensors) {
          const [oldest] = sensors.keys();
          sensors.delete(oldest!);
          for (const w of cfg.windows) changed.add(w);
        }
      }
      sensors.set(sensor, state);
      return state;
    }

    /**
     * Whether a reading that entered window `w` can change its ranking. Readings only ever raise a
     * sensor's extreme, so one that ranks below the current last place of a full top, from a sensor
     * outside it, changes nothing: most batches then skip the ranking entirely.
     */
    function mayChange(w: WindowName, sensor: string, v: number, ts: number): boolean {
      const top = emitted[w];
      if (!top || top.length < cfg.n) return true;
      const mine = top.find((e) => e.sensor === sensor);
      if (mine) return beats(cfg.order, v, ts, mine.value, mine.ts);
      const last = top[top.length - 1]!;
      if (beats(cfg.order, last.value, last.ts, v, ts)) return false;
      return v !== last.value || ts !== last.ts || sensor < last.sensor;
    }

    function add(r: DataRecord, changed: Set<WindowName>): void {
      const v = getValue(r) as number, ts = getTs(r) as number;
      const sensor = String(getSensor(r));
      const state = stateFor(sensor, changed);
      state.hist[slotOf(cfg.histogram, v)]!++;
      if (trackAll && (!state.all || beats(cfg.order, v, ts, state.all[0], state.all[1]))) {
        state.all = [v, ts];
        if (mayChange('all', sensor, v, ts)) changed.add('all');
      }
      for (const w of sliding) if (addToBuckets(state[w], w, cfg.order, v, ts, now) && mayChange(w, sensor, v, ts)) changed.add(w);
    }

    /** One record per window whose ranking differs from the last one emitted. */
    function rankings(changed: Set<WindowName>): DataRecord[] {
      const out: DataRecord[] = [];
      for (const w of cfg.windows) {
        if (!changed.has(w)) continue;
        const top = rank(sensors, w, cfg.order, cfg.n);
        if (sameRanking(top, emitted[w] ?? [])) continue;
        emitted[w] = top;
        out.push({ window: w, order: cfg.order, field: cfg.field, at: now, top });
      }
      return out;
    }

    function windowParam(params: { [key: string]: string }): WindowName {
      const w = (params.window ?? 'all') as WindowName;
      if (!cfg.windows.includes(w)) throw new QueryError(`window must be one of ${cfg.windows.join(', ')}, got "${params.window}"`);
      return w;
    }

    return {
      process(batch, meta): Outputs {
        const changed = new Set<WindowName>();
        advance(meta.ts, changed);
        const invalid: DataRecord[] = [];
        for (const r of batch) {
          const reason = problem(r);
          if (reason) invalid.push({ record: r, reason, node: ctx.nodeId });
          else add(r, changed);
        }
        count += batch.length - invalid.length;
        return { out: rankings(changed), invalid };
      },
      tick(at): Outputs {
        const changed = new Set<WindowName>();
        advance(at, changed);
        return { out: rankings(changed) };
      },
      snapshot(): Saved {
        return structuredClone({ now, count, sensors: [...sensors], emitted });
      },
      restore(saved) {
        const s = structuredClone(saved as Saved);
        now = s.now ?? -Infinity;
        count = s.count ?? 0;
        sensors = new Map(s.sensors);
        emitted = s.emitted;
      },
      queries: {
        top(params) {
          const window = windowParam(params);
          const n = params.n === undefined ? cfg.n : Number(params.n);
          if (!Number.isInteger(n) || n < 1 || n > cfg.maxSensors) throw new QueryError(`n must be an integer from 1 to ${cfg.maxSensors}, got "${params.n}"`);
          return { window, order: cfg.order, field: cfg.field, at: now, count, top: rank(sensors, window, cfg.order, n) };
        },
        histogram(params) {
          if (!params.sensor) throw new QueryError('the sensor parameter is required, e.g. ?sensor=s1');
          const state = sensors.get(params.sensor);
          if (!state) throw new QueryError(`no readings from sensor "${params.sensor}" are tracked`);
          return { sensor: params.sensor, field: cfg.field, ...describe(cfg.histogram, state.hist) };
        },
      },
    };
  },
});
