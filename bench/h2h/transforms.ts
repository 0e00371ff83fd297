/**
 * The in-process workload's three transforms, written once per system in its own idiom: a Sluice function
 * node's `process(records)` over a batch, a Node-RED function node's body over one message. Same logic.
 */
type Reading = Record<string, unknown> & { value: number; f: number };

// Batch functions: Sluice runs them in a function node's sandbox (from their source) or as in-process node types.
const rangeCheck = (records: Reading[]) => records.filter((r) => typeof r.value === 'number' && r.value >= -100 && r.value <= 100);
const fahrenheit = (records: Reading[]) => records.map((r) => ({ ...r, f: r.value * 1.8 + 32 }));
const levelTag = (records: Reading[]) => records.map((r) => ({ ...r, level: r.f > 77 ? 'high' : 'normal' }));

export const TRANSFORMS: { name: string; batch: (records: Reading[]) => object[]; sluice: string; nodered: string }[] = [
  {
    name: 'range check', batch: rangeCheck,
    sluice: `export function process(records) {\n  return (${rangeCheck.toString()})(records);\n}\n`,
    nodered: "const v = msg.payload.value;\nif (typeof v !== 'number' || v < -100 || v > 100) return null;\nreturn msg;",
  },
  {
    name: 'to Fahrenheit', batch: fahrenheit,
    sluice: `export function process(records) {\n  return (${fahrenheit.toString()})(records);\n}\n`,
    nodered: 'msg.payload = { ...msg.payload, f: msg.payload.value * 1.8 + 32 };\nreturn msg;',
  },
  {
    name: 'level tag', batch: levelTag,
    sluice: `export function process(records) {\n  return (${levelTag.toString()})(records);\n}\n`,
    nodered: "msg.payload = { ...msg.payload, level: msg.payload.f > 77 ? 'high' : 'normal' };\nreturn msg;",
  },
];

/** Node-RED's validate function: readings in range on output 1, the rest on output 2 (unwired, like Sluice's `invalid`). */
export const NODERED_VALIDATE = `const ok = [], bad = [];
for (const r of msg.payload) {
  if (typeof r.ts === 'number' && typeof r.value === 'number' && r.value >= -100 && r.value <= 100) ok.push(r); else bad.push(r);
}
return [ok.length ? { ...msg, payload: ok } : null, bad.length ? { payload: bad } : null];`;

/** Node-RED's rollup function: 1-minute tumbling windows per sensor (count, mean, min, max), like Sluice's rollup. */
export const NODERED_ROLLUP = `let w = context.get('w');
if (!w) { w = {}; context.set('w', w); }
const MIN = 60000, rows = [];
for (const r of msg.payload) {
  const start = r.ts - (r.ts % MIN);
  let a = w[r.sensor];
  if (a && start < a.start) continue; // late: its window was emitted already
  if (a && start > a.start) {
    rows.push({ window_start: a.start, window_end: a.start + MIN, sensor: r.sensor, count: a.count, value_mean: a.sum / a.count, value_min: a.min, value_max: a.max });
    a = undefined;
  }
  if (!a) { a = w[r.sensor] = { start, count: 0, sum: 0, min: Infinity, max: -Infinity }; }
  a.count++; a.sum += r.value;
  if (r.value < a.min) a.min = r.value;
  if (r.value > a.max) a.max = r.value;
}
// The readings go on (output 1) so the sink can count them and their latency; closed windows on output 2.
return [msg, rows.length ? { payload: rows } : null];`;

/** Node-RED's in-process generator: a function node that sends one message per reading, never more than 5,000 ahead of the sink. */
export const NODERED_GENERATOR = `const h2h = global.get('h2h');
const total = msg.payload;
let i = 0;
function pump() {
  const upTo = Math.min(total, h2h.received() + 5000);
  for (; i < upTo; i++) node.send({ payload: { ts: 1700000000000 + i * 100, sensor: 's' + (i % 100), seq: i, value: 20 + (i % 7) } });
  if (i < total) setTimeout(pump, 0);
}
pump();
return null;`;
