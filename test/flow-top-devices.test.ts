import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JournalExport } from '../server/runtime/api-types.js';
import { openApp } from './helpers/api-app.js';
import { deployFlow, nodeQuery, shippedFlow, widgetQuery } from './helpers/shipped-flow.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'top-devices';
const DEVICES = Array.from({ length: 25 }, (_, i) => `device-${i}`);

interface Ranked { rank: number; sensor: string; value: number; ts: number }
interface TopAnswer { window: string; at: number; count: number; top: Ranked[] }
interface Histogram { count: number; below: number; above: number; buckets: { from: number; to: number; count: number }[] }
type Reading = { ts: number; sensor: string } & { [field: string]: number | string };

/**
 * The ranking computed here from the readings themselves: each device's highest value among the readings
 * the window holds at `at` (the past minute: event time in the 60 one-second buckets ending with at's;
 * the past hour: the 60 one-minute buckets), ties to the earlier reading, then the device id.
 */
function expectedTop(readings: Reading[], field: string, window: string, at: number): Ranked[] {
  const inWindow = (ts: number) =>
    window === 'all' || (window === 'minute' ? Math.floor(ts / 1000) > Math.floor(at / 1000) - 60 : Math.floor(ts / 60_000) > Math.floor(at / 60_000) - 60);
  const best = new Map<string, { value: number; ts: number }>();
  for (const r of readings) {
    const value = r[field] as number;
    const b = best.get(r.sensor);
    if (inWindow(r.ts) && (!b || value > b.value || (value === b.value && r.ts < b.ts))) best.set(r.sensor, { value, ts: r.ts });
  }
  return [...best].map(([sensor, b]) => ({ sensor, ...b }))
    .sort((x, y) => y.value - x.value || x.ts - y.ts || (x.sensor < y.sensor ? -1 : 1))
    .slice(0, 10).map((e, i) => ({ rank: i + 1, ...e }));
}

/** Bucket counts over integer thousandths, so a value on a bucket boundary lands without rounding doubt. */
function expectedHistogram(values: number[], min: number, max: number, buckets: number): Histogram {
  const counts = new Array<number>(buckets).fill(0);
  let below = 0;
  let above = 0;
  for (const v of values) {
    const milli = Math.round(v * 1000) - min * 1000;
    if (milli < 0) below++;
    else if (milli > (max - min) * 1000) above++;
    else counts[Math.min(buckets - 1, Math.floor((milli * buckets) / ((max - min) * 1000)))]!++;
  }
  const width = (max - min) / buckets;
  return { count: values.length, below, above, buckets: counts.map((count, i) => ({ from: min + i * width, to: min + (i + 1) * width, count })) };
}

test('top-devices, as shipped: top 10 devices by temperature and by pressure over all time, the past minute and hour, and per-device histograms', { timeout: 180_000 }, async (t) => {
  const { app } = await openApp(t);
  const doc = shippedFlow(FLOW);
  await deployFlow(app, doc);

  // The devices report on the wall clock, so the past minute differs from all time only after a minute:
  // wait for 66 s of readings (25 a second).
  await waitFor('66 s of temperature readings ranked', async () =>
    (await nodeQuery<TopAnswer>(app, FLOW, 'top-temperature', 'top')).count >= 25 * 66, 120_000);

  for (const { node, source, field, histogram } of [
    { node: 'top-temperature', source: 'temperatures', field: 'temperature', histogram: { min: -10, max: 50, buckets: 12 } },
    { node: 'top-pressure', source: 'pressures', field: 'pressure', histogram: { min: 950, max: 1050, buckets: 20 } },
  ]) {
    const answers = await Promise.all(['all', 'minute', 'hour'].map((window) => nodeQuery<TopAnswer>(app, FLOW, node, 'top', { window })));
    const histograms = await Promise.all(DEVICES.map((sensor) => nodeQuery<Histogram>(app, FLOW, node, 'histogram', { sensor })));
    // The journal, read after the queries, holds at least every reading they were based on, in order.
    const journal = (await app.inject({ url: `/api/flows/${FLOW}/journal?limit=100000` })).body.trim().split('\n').map((l) => JSON.parse(l) as JournalExport);
    const readings = journal.filter((e) => e.kind === 'data' && e.node === source).flatMap((e) => e.records as Reading[]);

    for (const answer of answers) {
      // `count` says how many readings the node had taken when it answered: the first `count` of the journal.
      const taken = readings.slice(0, answer.count);
      assert.equal(taken.length, answer.count, `${node}: the journal holds the ${answer.count} readings ranked`);
      assert.deepEqual(answer.top, expectedTop(taken, field, answer.window, answer.at), `${node} ${answer.window} at ${answer.at}`);
      assert.equal(answer.top.length, 10);
    }
    histograms.forEach((h, i) => {
      const own = readings.filter((r) => r.sensor === DEVICES[i]).slice(0, h.count).map((r) => r[field] as number);
      assert.ok(h.count >= 60, `${DEVICES[i]}: ${h.count} readings in its histogram`);
      assert.deepEqual(h, { sensor: DEVICES[i], field, ...expectedHistogram(own, histogram.min, histogram.max, histogram.buckets) });
    });

    const [all, minute, hour] = answers as [TopAnswer, TopAnswer, TopAnswer];
    const firstTs = readings[0]!.ts;
    const show = (a: TopAnswer) => a.top.slice(0, 3).map((e) => `${e.sensor}=${e.value}`).join(' ');
    t.diagnostic(`${node}: ${all.count} readings over ${Math.round((all.at - firstTs) / 1000)} s; all: ${show(all)}; hour: ${show(hour)}; minute: ${show(minute)}; `
      + `minute ${JSON.stringify(minute.top) === JSON.stringify(all.top) ? 'equals' : 'differs from'} all time`);
    const d3 = histograms[3]!;
    t.diagnostic(`${node} histogram of device-3: ${d3.count} readings, non-empty buckets ${d3.buckets.filter((b) => b.count > 0).map((b) => `[${b.from},${b.to}):${b.count}`).join(' ')}`);
  }

  // The dashboard: a top 10 per window and quantity (the latest ranking the node emitted), and a histogram of a chosen device.
  const widget = <T>(nodeId: string, name: string, params: { [k: string]: string } = {}) => widgetQuery<T>(app, 'top-devices', FLOW, nodeId, name, params);
  for (const [quantity, node] of [['temperature', 'top-temperature'], ['pressure', 'top-pressure']] as const) {
    for (const window of ['minute', 'hour', 'all']) {
      await waitFor(`the ${quantity} table of the ${window} is the node's ranking`, async () => {
        const [table, answer] = await Promise.all([widget<{ rows: Ranked[] }>(`top-${quantity}-${window}`, 'rows'), nodeQuery<TopAnswer>(app, FLOW, node, 'top', { window })]);
        return JSON.stringify(table.rows) === JSON.stringify(answer.top.map(({ rank, sensor, value, ts }) => ({ rank, sensor, value, ts })));
      });
    }
  }
  const to = Date.now() - 5000;
  const from = to - 3_600_000;
  await waitFor('the histogram widget counts device-3\'s readings of the range', async () => {
    const journal = (await app.inject({ url: `/api/flows/${FLOW}/journal?limit=100000` })).body.trim().split('\n').map((l) => JSON.parse(l) as JournalExport);
    const own = journal.filter((e) => e.kind === 'data' && e.node === 'temperatures').flatMap((e) => e.records as Reading[])
      .filter((r) => r.sensor === 'device-3' && r.ts >= from && r.ts < to).map((r) => r.temperature as number);
    const h = await widget<Histogram>('temperature-histogram', 'histogram', { series: 'device-3', from: String(from), to: String(to) });
    return h.count === own.length && h.count >= 60 && h.buckets.reduce((n, b) => n + b.count, 0) + h.below + h.above === own.length;
  });
});
