import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import type { StatState, StatTile } from './dashboard/answers.js';
import { compileConditions, ConditionSchema, conditionsProblems } from './dashboard/condition.js';
import { LiveInterval, LiveThrottle } from './dashboard/live.js';
import { LEVELS, levelOf, type Threshold } from './dashboard/look.js';
import { placement, PLACEMENT_DOCS, WIDGET_REFUSES_REFERENCES, DashboardPlacementSchema, WidgetTitle } from './dashboard/placement.js';
import { notANumber, numberOf, refused } from './dashboard/reading.js';
import { fieldGetter, showValue } from './lib/field-path.js';

const REDUCES = ['last', 'mean', 'min', 'max', 'sum', 'count', 'share'] as const;
type Reduce = (typeof REDUCES)[number];
/** Tiles shown at most for `last` per key; the count of the rest is shown. */
const MAX_TILES = 60;

const config = Type.Object({
  dashboard: DashboardPlacementSchema,
  title: WidgetTitle,
  field: Type.String({ default: 'value', minLength: 1, title: 'Value field', description: 'Numeric field shown (all reduces but count and share).' }),
  keyField: Type.String({
    default: '', maxLength: 200, title: 'Key field',
    description: 'Field naming what the value belongs to (a sensor): the latest value of each key counts. Empty: the latest record overall.',
  }),
  reduce: Type.Union(REDUCES.map((r) => Type.Literal(r)), {
    default: 'last', title: 'Show',
    description: '`last`: the latest value (one tile per key); `mean`, `min`, `max`, `sum` of the keys\' latest values; `count` of keys whose latest record matches `when`; `share` of them among all keys (e.g. % silent).',
  }),
  when: Type.Array(ConditionSchema, { default: [], maxItems: 10, title: 'Counts when', description: 'count and share: the conditions a key\'s latest record must meet to count.' }),
  where: Type.Array(ConditionSchema, { default: [], maxItems: 10, title: 'Only records where', description: 'Records that do not meet these are ignored (not an error).' }),
  format: Type.Union([Type.Literal('number'), Type.Literal('percent'), Type.Literal('duration')], {
    default: 'number', title: 'Format', description: '`percent` shows a 0..1 share as %, `duration` milliseconds as "6 min 12 s". A share is a percent whatever this says.',
  }),
  unit: Type.String({ default: '', maxLength: 40, title: 'Unit' }),
  decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, title: 'Decimals' })),
  thresholds: Type.Array(Type.Object({
    from: Type.Number({ title: 'From', description: 'Values from this up take the level (shares: 0..1).' }),
    level: Type.Union(LEVELS.map((l) => Type.Literal(l)), { title: 'Level' }),
  }, { additionalProperties: false }), { default: [], maxItems: 10, title: 'Thresholds', description: 'Colour steps, ascending: below the first, ok (green).' }),
  staleAfterMs: Type.Integer({ default: 0, minimum: 0, title: 'Stale after (ms)', description: 'A tile not updated for this long (journal time) is greyed; 0: never.' }),
  maxKeys: Type.Integer({ default: 10_000, minimum: 1, maximum: 100_000, title: 'Most keys', description: 'Keys remembered at most; past it the least recently updated is forgotten (the status says so).' }),
  liveIntervalMs: Type.Integer(LiveInterval(1000)),
}, { additionalProperties: false });

interface Entry {
  value: number | null;
  /** Whether the latest record met `when`. */
  matches: boolean;
  at: number;
}

interface Saved {
  keys: [string, Entry][];
  evicted: number;
}

export default defineNode({
  type: 'stat',
  category: 'sink',
  label: 'stat',
  inputs: { in: 'records with a value (and a key)' },
  outputs: { invalid: 'records without the value or key the stat needs: { record, reason, node }' },
  config,
  refusesReferences: WIDGET_REFUSES_REFERENCES,
  check(cfg): ConfigProblem[] {
    const problems = [...conditionsProblems(cfg.when, '/when'), ...conditionsProblems(cfg.where, '/where')];
    if ((cfg.reduce === 'count' || cfg.reduce === 'share') && cfg.when.length === 0) problems.push({ path: '/when', message: `${cfg.reduce} needs the conditions that make a key count` });
    if (cfg.reduce !== 'last' && !cfg.keyField) problems.push({ path: '/keyField', message: `${cfg.reduce} combines the latest value of each key: name the key field` });
    cfg.thresholds.forEach((t, i) => {
      if (i > 0 && t.from < cfg.thresholds[i - 1]!.from) problems.push({ path: `/thresholds/${i}/from`, message: 'thresholds go in ascending order' });
    });
    return problems;
  },
  docs: `A dashboard stat: a big number coloured by thresholds — the latest value, one tile per key, or what the
latest values of all keys add up to, such as the share of silent sensors.

- \`reduce: "last"\` shows the latest \`field\` (per \`keyField\` value, one tile each).
- \`mean\`, \`min\`, \`max\`, \`sum\` combine the latest value of every key (mean time between heartbeats of a fleet).
- \`count\` and \`share\` count the keys whose latest record meets \`when\` (share: among all keys): fed both the
  readings (every sensor heard becomes a key) and an alert node's changes, \`when: [{ "field": "state", "in":
  ["firing", "acknowledged"] }]\` gives the share of sensors whose alert holds.
- \`where\` keeps only the records meeting its conditions (\`{ field, in | notIn | above | below }\`).
- \`thresholds\` colour the value: \`[{ "from": 0.1, "level": "warning" }, { "from": 0.3, "level": "critical" }]\`.

State (the latest record per key, at most \`maxKeys\`) is checkpointed with the flow, so a restart or a
reload shows the same value at once; changes reach open pages live. Records without the key, or without a
numeric \`field\` where the value counts, go to \`invalid\` with the reason. Query \`state\` answers
\`{ tiles: [{ key, value, level, at, stale }], keys, matched, hidden, at }\`.

${PLACEMENT_DOCS}`,

  widget: (cfg) => placement(cfg, 'stat', {
    reduce: cfg.reduce, format: cfg.reduce === 'share' ? 'percent' : cfg.format, unit: cfg.unit,
    decimals: cfg.decimals ?? null, thresholds: cfg.thresholds, keyField: cfg.keyField,
  }),

  create(cfg, ctx) {
    const getValue = fieldGetter(cfg.field);
    const getKey = cfg.keyField ? fieldGetter(cfg.keyField) : () => '';
    const when = compileConditions(cfg.when);
    const where = compileConditions(cfg.where);
    const needsValue = cfg.reduce !== 'count' && cfg.reduce !== 'share';
    const thresholds: Threshold[] = cfg.thresholds;
    let keys = new Map<string, Entry>();
    let evicted = 0;
    let now = 0;
    const throttle = new LiveThrottle(ctx, cfg.liveIntervalMs, () => state());

    function problem(r: DataRecord): string | undefined {
      const key = getKey(r);
      if (cfg.keyField && (typeof key !== 'string' && typeof key !== 'number' || key === '')) return `${cfg.keyField}: expected the key (a string or a number), got ${showValue(key)}`;
      if (needsValue && numberOf(getValue(r)) === undefined && getValue(r) !== null) return notANumber(cfg.field, getValue(r));
      return undefined;
    }

    function remember(key: string, entry: Entry): void {
      keys.delete(key); // re-inserted last: the Map's order is least recently updated first
      keys.set(key, entry);
      if (keys.size > cfg.maxKeys) {
        keys.delete(keys.keys().next().value!);
        evicted++;
      }
    }

    function tile(key: string, value: number | null, at: number): StatTile {
      return { key, value, level: levelOf(value, thresholds), at, stale: cfg.staleAfterMs > 0 && now - at > cfg.staleAfterMs };
    }

    function reduced(): number | null {
      const latest = [...keys.values()];
      if (cfg.reduce === 'count') return latest.filter((e) => e.matches).length;
      if (cfg.reduce === 'share') return latest.length ? latest.filter((e) => e.matches).length / latest.length : null;
      const values = latest.map((e) => e.value).filter((v): v is number => v !== null);
      if (values.length === 0) return null;
      const by: { [r in Exclude<Reduce, 'last' | 'count' | 'share'>]: () => number } = {
        mean: () => values.reduce((a, b) => a + b, 0) / values.length,
        min: () => values.reduce((a, b) => Math.min(a, b)),
        max: () => values.reduce((a, b) => Math.max(a, b)),
        sum: () => values.reduce((a, b) => a + b, 0),
      };
      return by[cfg.reduce as keyof typeof by]();
    }

    function latestAt(): number {
      let at = 0;
      for (const e of keys.values()) if (e.at > at) at = e.at;
      return at;
    }

    function state(): StatState {
      const matched = [...keys.values()].filter((e) => e.matches).length;
      let tiles: StatTile[];
      if (cfg.reduce === 'last') {
        tiles = [...keys].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).slice(0, MAX_TILES).map(([k, e]) => tile(k, e.value, e.at));
      } else {
        tiles = keys.size ? [tile('', reduced(), latestAt())] : [];
      }
      return { tiles, keys: keys.size, matched, hidden: cfg.reduce === 'last' ? Math.max(0, keys.size - MAX_TILES) : 0, at: now };
    }

    return {
      start() {
        if (keys.size > 0) ctx.status({ state: 'running', text: `${keys.size} keys restored` });
      },
      process(batch, meta): Outputs | void {
        now = Math.max(now, meta.ts);
        const invalid: DataRecord[] = [];
        for (const r of batch) {
          if (!where(r)) continue;
          const reason = problem(r);
          if (reason) {
            invalid.push(refused(r, reason, ctx.nodeId));
            continue;
          }
          const raw = getValue(r);
          remember(String(getKey(r)), { value: raw === null ? null : numberOf(raw) ?? null, matches: when(r), at: now });
        }
        throttle.changed();
        if (evicted > 0) ctx.status({ state: 'refused', text: `more than ${cfg.maxKeys} keys: ${evicted} least recently updated forgotten (maxKeys)` });
        return invalid.length ? { invalid } : undefined;
      },
      tick(at) {
        now = Math.max(now, at);
        if (cfg.staleAfterMs > 0) throttle.changed();
      },
      stop() {
        throttle.stop();
      },
      snapshot(): Saved {
        return { keys: [...keys].map(([k, e]) => [k, { ...e }]), evicted };
      },
      restore(saved) {
        const s = saved as Saved;
        keys = new Map(s.keys.map(([k, e]) => [k, { ...e }]));
        evicted = s.evicted;
        now = latestAt();
      },
      queries: { state: () => state() },
    };
  },
});
