import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import type { TableAnswer } from './dashboard/answers.js';
import { compileConditions, ConditionSchema, conditionsProblems } from './dashboard/condition.js';
import { LiveInterval, LiveThrottle } from './dashboard/live.js';
import { compareCells } from './dashboard/look.js';
import { placement, PLACEMENT_DOCS, WIDGET_REFUSES_REFERENCES, DashboardPlacementSchema, WidgetTitle } from './dashboard/placement.js';
import { refused } from './dashboard/reading.js';
import { fieldGetter, showValue, type FieldGetter } from './lib/field-path.js';

const Column = Type.Object({
  field: Type.String({ minLength: 1, title: 'Field', description: 'Dotted path of the field shown in the column.' }),
  title: Type.String({ default: '', maxLength: 100, title: 'Heading', description: 'Empty: the field.' }),
  format: Type.Union(['text', 'number', 'percent', 'duration', 'time'].map((f) => Type.Literal(f)), {
    default: 'text', title: 'Format', description: '`number` (with `unit` and `decimals`), `percent` (of a 0..1 share), `duration` (ms), `time` (epoch ms as a date and time), or `text`.',
  }),
  unit: Type.String({ default: '', maxLength: 40, title: 'Unit' }),
  decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, title: 'Decimals' })),
}, { additionalProperties: false });

const config = Type.Object({
  dashboard: DashboardPlacementSchema,
  title: WidgetTitle,
  key: Type.Array(Type.String({ minLength: 1 }), {
    default: ['sensor'], minItems: 1, maxItems: 5, title: 'Row key',
    description: 'Fields that identify a row: a record replaces the row with the same key (the latest row per sensor).',
  }),
  rowsField: Type.String({
    default: '', maxLength: 200, title: 'Rows field',
    description: 'When set, each record holds its rows as an array in this field (a top-k ranking\'s `top`) and replaces the whole table.',
  }),
  columns: Type.Array(Column, { minItems: 1, maxItems: 20, title: 'Columns' }),
  sort: Type.Optional(Type.Object({
    field: Type.String({ minLength: 1, title: 'Field' }),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc', title: 'Order' }),
  }, { additionalProperties: false, title: 'Sorted by', description: 'The order the page opens with; viewers sort by any column.' })),
  limit: Type.Integer({ default: 100, minimum: 1, maximum: 1000, title: 'Rows shown', description: 'The first rows in sort order (10 for a top 10).' }),
  where: Type.Array(ConditionSchema, { default: [], maxItems: 10, title: 'Only records where', description: 'Records that do not meet these are ignored (e.g. one ranking window).' }),
  remove: Type.Array(ConditionSchema, { default: [], maxItems: 10, title: 'Removes the row when', description: 'A record meeting these removes its row (an alert resolved: the sensor is no longer silent).' }),
  maxRows: Type.Integer({ default: 1000, minimum: 1, maximum: 10_000, title: 'Most rows kept', description: 'Past it the least recently updated row is forgotten, and the status says so.' }),
  liveIntervalMs: Type.Integer(LiveInterval(1000)),
}, { additionalProperties: false });

type Row = { [field: string]: unknown };

interface Saved {
  rows: [string, Row][];
  evicted: number;
  at: number;
}

export default defineNode({
  type: 'table',
  category: 'sink',
  label: 'table',
  inputs: { in: 'records, one row each (or rankings holding their rows)' },
  outputs: { invalid: 'records without the row key, or whose rows field is not a list of rows: { record, reason, node }' },
  config,
  refusesReferences: WIDGET_REFUSES_REFERENCES,
  check(cfg): ConfigProblem[] {
    return [...conditionsProblems(cfg.where, '/where'), ...conditionsProblems(cfg.remove, '/remove')];
  },
  docs: `A dashboard table: the latest row per key, sortable by any column — the silent sensors, the hottest
devices, the latest hour per region.

Each record replaces the row with the same \`key\` (e.g. \`["sensor"]\`); a record meeting \`remove\` deletes its
row instead (\`[{ "field": "state", "in": ["resolved"] }]\` keeps only the open ones). With \`rowsField\`, a
record carries all rows in that field (a \`top-k\` ranking's \`top\`) and replaces the table: a top 10 that
is always the current one. \`where\` ignores the records that do not meet it (one ranking window of several).

\`columns\` pick and format the fields (\`text\`, \`number\` with unit and decimals, \`percent\`, \`duration\`,
\`time\`); the page opens sorted by \`sort\` and shows the first \`limit\` rows. At most \`maxRows\` rows are
kept. The rows are checkpointed with the flow, so a restart or a reload shows them at once; changes reach
open pages live. Query \`rows\` answers \`{ rows, total, at }\` (rows in the configured order).

${PLACEMENT_DOCS}

Example (silent sensors): \`{ "key": ["sensor"], "where": [{ "field": "rule", "in": ["silent"] }],
"remove": [{ "field": "state", "in": ["resolved"] }], "columns": [{ "field": "sensor" },
{ "field": "firedAt", "title": "silent since", "format": "time" }] }\``,

  widget: (cfg) => placement(cfg, 'table', {
    columns: cfg.columns.map((c) => ({ ...c, title: c.title || c.field, decimals: c.decimals ?? null })),
    sort: cfg.sort ?? null, limit: cfg.limit,
  }),

  create(cfg, ctx) {
    const keyOf = cfg.key.map(fieldGetter);
    const cells: [string, FieldGetter][] = [...new Set([...cfg.columns.map((c) => c.field), ...(cfg.sort ? [cfg.sort.field] : [])])].map((f) => [f, fieldGetter(f)]);
    const where = compileConditions(cfg.where);
    // No conditions: nothing removes a row (an empty list of conditions always holds).
    const remove = cfg.remove.length ? compileConditions(cfg.remove) : () => false;
    const getRows = cfg.rowsField ? fieldGetter(cfg.rowsField) : undefined;
    let rows = new Map<string, Row>();
    let evicted = 0;
    let at = 0;
    const throttle = new LiveThrottle(ctx, cfg.liveIntervalMs, () => answer());

    function keyOfRecord(r: DataRecord): string | undefined {
      const parts = keyOf.map((get) => get(r));
      if (parts.some((p) => p === undefined || p === null || typeof p === 'object')) return undefined;
      return JSON.stringify(parts);
    }

    const pick = (r: DataRecord): Row => Object.fromEntries(cells.map(([f, get]) => [f, get(r) ?? null]));

    function put(key: string, row: Row): void {
      rows.delete(key);
      rows.set(key, row);
      if (rows.size > cfg.maxRows) {
        rows.delete(rows.keys().next().value!);
        evicted++;
      }
    }

    /** One record; a reason when it cannot make a row. */
    function take(r: DataRecord): string | undefined {
      if (getRows) {
        const list = getRows(r);
        if (!Array.isArray(list) || list.some((x) => x === null || typeof x !== 'object')) return `${cfg.rowsField}: expected a list of rows (objects), got ${showValue(list)}`;
        rows = new Map();
        (list as DataRecord[]).forEach((row, i) => put(keyOfRecord(row) ?? String(i), pick(row)));
        return undefined;
      }
      const key = keyOfRecord(r);
      if (key === undefined) {
        const i = keyOf.findIndex((get) => { const v = get(r); return v === undefined || v === null || typeof v === 'object'; });
        const v = keyOf[i]!(r);
        return `${cfg.key[i]}: ${v === undefined ? 'missing' : `got ${showValue(v)}`}; a row needs its key (strings, numbers or booleans)`;
      }
      if (remove(r)) rows.delete(key);
      else put(key, pick(r));
      return undefined;
    }

    function answer(): TableAnswer {
      let list = [...rows.values()];
      if (cfg.sort) {
        const { field, order } = cfg.sort;
        const dir = order === 'desc' ? -1 : 1;
        list = list.sort((a, b) => compareCells(a[field], b[field], dir));
      }
      return { rows: list.slice(0, cfg.limit), total: rows.size, at };
    }

    return {
      process(batch, meta): Outputs | void {
        at = Math.max(at, meta.ts);
        const invalid: DataRecord[] = [];
        for (const r of batch) {
          if (!where(r)) continue;
          const reason = take(r);
          if (reason) invalid.push(refused(r, reason, ctx.nodeId));
        }
        throttle.changed();
        if (evicted > 0) ctx.status({ state: 'refused', text: `more than ${cfg.maxRows} rows: ${evicted} least recently updated forgotten (maxRows)` });
        return invalid.length ? { invalid } : undefined;
      },
      stop() {
        throttle.stop();
      },
      snapshot(): Saved {
        return { rows: [...rows].map(([k, r]) => [k, { ...r }]), evicted, at };
      },
      restore(saved) {
        const s = saved as Saved;
        rows = new Map(s.rows.map(([k, r]) => [k, { ...r }]));
        evicted = s.evicted;
        at = s.at;
      },
      queries: { rows: () => answer() },
    };
  },
});
