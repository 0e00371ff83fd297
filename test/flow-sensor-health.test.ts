import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Alert } from '../server/core/services.js';
import { client } from './helpers/mqtt-broker.js';
import { deployMqttQuestDbFlow, flowStatus, nodeQuery, widgetQuery } from './helpers/shipped-flow.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'sensor-health';
const MIN = 60_000;
const HOUR = 60 * MIN;
const SILENCE = 10 * MIN;
const END = 2 * HOUR + 5 * MIN;

interface Heartbeat { sensor: string; ts: number; battery: number }

/**
 * Ten sensors, each with its own heartbeat period and a few seconds of jitter, over 2 h 5 min of event
 * time. Three fall silent for longer than 10 minutes: s7 for good after 50 min, s8 between 20 and
 * 45 min (within the first hour, so its mean gap there shows it), s9 for good after 100 min. Every
 * other gap is at most about 2 minutes.
 */
function heartbeats(T: number, name: (i: number) => string): Heartbeat[] {
  const periodsS = [60, 60, 45, 90, 120, 30, 60, 75, 60, 50];
  const quiet = (i: number, dt: number) => (i === 7 && dt >= 50 * MIN) || (i === 8 && dt >= 20 * MIN && dt < 45 * MIN) || (i === 9 && dt >= 100 * MIN);
  const all: Heartbeat[] = [];
  periodsS.forEach((period, i) => {
    for (let k = 0; ; k++) {
      const dt = i * 1000 + k * period * 1000 + ((k * 7919 + i * 104_729) % 5000);
      if (dt >= END) break;
      if (!quiet(i, dt)) all.push({ sensor: name(i), ts: T + dt, battery: 3.7 - ((k * 13 + i) % 50) / 1000 });
    }
  });
  return all.sort((a, b) => a.ts - b.ts || a.sensor.localeCompare(b.sensor));
}

test('sensor-health, as shipped: heartbeats → silence alerts after 10 minutes, share of silent sensors, mean time between heartbeats per hour', async (t) => {
  const { app, broker, ilp, end } = await deployMqttQuestDbFlow(t, FLOW, 'heartbeats');

  const run = randomBytes(4).toString('hex');
  const site = `site-${run}`;
  const name = (i: number) => `s${i}-${run}`;
  // Event time is ours (the silence rule uses the event clock): whole hours, starting three hours ago.
  const T = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
  const beats = heartbeats(T, name);
  const sensors = await client(t, broker.url);
  for (let i = 0; i < beats.length; i += 50) {
    // Published in time order over one connection: the broker keeps that order.
    await Promise.all(beats.slice(i, i + 50).map(({ sensor, ts, battery }) =>
      sensors.publishAsync(`sites/${site}/sensors/${sensor}/heartbeat`, JSON.stringify({ ts, battery }), { qos: 1 })));
  }
  const newest = beats.at(-1)!.ts;
  t.diagnostic(`published ${beats.length} heartbeats of 10 sensors over ${(newest - T) / MIN} minutes of event time`);

  // Expected silences, from the gaps: a gap of 10 min or more fires at its start + 10 min and resolves
  // with the heartbeat that ends it; a sensor still quiet 10 min before the newest heartbeat stays silent.
  const expected: { sensor: string; firedAt: number; resolvedAt: number | null; gap: number | null }[] = [];
  for (let i = 0; i < 10; i++) {
    const own = beats.filter((b) => b.sensor === name(i));
    own.forEach((b, j) => {
      const next = own[j + 1];
      if (next && next.ts - b.ts >= SILENCE) expected.push({ sensor: b.sensor, firedAt: b.ts + SILENCE, resolvedAt: next.ts, gap: next.ts - b.ts });
    });
    const last = own.at(-1)!;
    if (newest - last.ts >= SILENCE) expected.push({ sensor: last.sensor, firedAt: last.ts + SILENCE, resolvedAt: null, gap: null });
  }
  assert.deepEqual(expected.map((e) => `${e.sensor.split('-')[0]} ${e.resolvedAt === null ? 'open' : 'resolved'}`).sort(), ['s7 open', 's8 resolved', 's9 open'], 'the scenario as designed');

  // Expected hourly rows: the mean of the gaps between consecutive heartbeats within each closed hour.
  const watermark = newest - 2 * MIN;
  const rows: { sensor: string; start: number; count: number; interval: number | null; first: number; last: number; battery: number }[] = [];
  for (let i = 0; i < 10; i++) {
    for (let start = T; start + HOUR <= watermark; start += HOUR) {
      const inHour = beats.filter((b) => b.sensor === name(i) && b.ts >= start && b.ts < start + HOUR);
      if (inHour.length === 0) continue;
      const gaps = inHour.slice(1).map((b, j) => b.ts - inHour[j]!.ts);
      rows.push({
        sensor: name(i), start, count: inHour.length, interval: gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null,
        first: inHour[0]!.ts, last: inHour.at(-1)!.ts, battery: Math.min(...inHour.map((b) => b.battery)),
      });
    }
  }
  assert.equal(rows.length, 19, 'two closed hours for ten sensors, except s7 silent through the second');

  const intervalRows = () => ilp.rows('heartbeat_intervals').filter((r) => r.site === site);
  await waitFor(`${rows.length} rows in heartbeat_intervals`, () => intervalRows().length === rows.length);
  await waitFor('every heartbeat judged by the alert node', async () => (await flowStatus(app, FLOW)).nodes.health!.in === beats.length);
  const changeRows = () => ilp.rows('sensor_health').filter((r) => r.site === site);
  const transitions = expected.length + expected.filter((e) => e.resolvedAt !== null).length;
  await waitFor(`${transitions} changes in sensor_health`, () => changeRows().length === transitions);

  // Alerts through the API.
  const alerts = ((await app.inject({ url: `/api/alerts?flow=${FLOW}&limit=1000` })).json() as Alert[]).filter((a) => a.sensor.endsWith(run));
  assert.deepEqual(
    alerts.map((a) => [a.ruleId, a.sensor, a.firedAt, a.state, a.resolvedAt, a.resolvedValue]).sort(),
    expected.map((e) => ['silent', e.sensor, e.firedAt, e.resolvedAt === null ? 'firing' : 'resolved', e.resolvedAt, e.gap]).sort(),
  );
  for (const a of alerts) assert.ok(a.value! >= SILENCE, `${a.id}: a silence of ${a.value} ms when it fired`);
  assert.ok(!alerts.some((a) => a.ruleId === 'offline'), 'offline judges the server clock: every heartbeat arrived within this test');

  // Every change in QuestDB, with the site carried from the heartbeats.
  assert.deepEqual(
    changeRows().map((r) => [r.sensor, r.rule, r.state, Number((r.ts as bigint) / 1_000_000n)]).sort(),
    expected.flatMap((e) => [[e.sensor, 'silent', 'firing', e.firedAt], ...(e.resolvedAt === null ? [] : [[e.sensor, 'silent', 'resolved', e.resolvedAt]])]).sort(),
  );

  // The share of silent sensors.
  const summary = await nodeQuery<{ rule: string; sensors: number; active: number; share: number }[]>(app, FLOW, 'health', 'summary');
  const silentNow = expected.filter((e) => e.resolvedAt === null).length;
  assert.deepEqual(summary.find((s) => s.rule === 'silent'), { rule: 'silent', kind: 'silence', sensors: 10, active: silentNow, share: silentNow / 10 });
  t.diagnostic(`silent now: ${silentNow} of 10 (share ${silentNow / 10}); alerts: ${alerts.length}`);

  // Mean time between heartbeats per sensor and hour.
  const got = new Map(intervalRows().map((r) => [`${r.sensor as string}@${Number((r.ts as bigint) / 1_000_000n)}`, r]));
  for (const e of rows) {
    const r = got.get(`${e.sensor}@${e.start}`);
    assert.ok(r, `a row for ${e.sensor} in hour ${(e.start - T) / HOUR}`);
    assert.equal(r.count, BigInt(e.count));
    assert.ok(Math.abs((r.heartbeat_interval as number) - e.interval!) < 1e-6, `${e.sensor}: interval ${r.heartbeat_interval} ≈ ${e.interval}`);
    assert.deepEqual([r.heartbeat_min, r.heartbeat_max], [BigInt(e.first) * 1000n, BigInt(e.last) * 1000n], 'timestamp columns in microseconds');
    assert.equal(r.battery_min, e.battery);
  }
  // The dashboard shows the same figures: the share silent, the silent sensors, the mean time between heartbeats.
  const widget = <T>(nodeId: string, name: string, params: { [k: string]: string } = {}) => widgetQuery<T>(app, 'sensor-health', FLOW, nodeId, name, params);
  const share = await widget<{ tiles: { value: number; level: string }[]; matched: number; keys: number }>('silent-share', 'state');
  assert.deepEqual([share.tiles[0]!.value, share.matched, share.keys, share.tiles[0]!.level], [silentNow / 10, silentNow, 10, 'critical']);
  const silentRows = await widget<{ rows: { sensor: string; site: string; firedAt: number }[] }>('silent-sensors', 'rows');
  assert.deepEqual(silentRows.rows.map((r) => [r.sensor, r.site, r.firedAt]),
    expected.filter((e) => e.resolvedAt === null).sort((a, b) => a.firedAt - b.firedAt).map((e) => [e.sensor, site, e.firedAt]));
  const latest = new Map<string, number | null>();
  for (const r of [...rows].sort((a, b) => a.start - b.start)) latest.set(r.sensor, r.interval);
  const intervals = [...latest.values()].filter((v): v is number => v !== null);
  const meanInterval = await widget<{ tiles: { value: number }[] }>('heartbeat-interval', 'state');
  assert.ok(Math.abs(meanInterval.tiles[0]!.value - intervals.reduce((a, b) => a + b, 0) / intervals.length) < 1e-6, `mean time between heartbeats ${meanInterval.tiles[0]!.value}`);

  const s8 = rows.filter((r) => r.sensor === name(8)).map((r) => Math.round(r.interval! / 1000));
  t.diagnostic(`mean seconds between heartbeats, s0..s9 in hour 1: ${rows.filter((r) => r.start === T).map((r) => Math.round(r.interval! / 100) / 10).join(', ')}; s8 per hour: ${s8.join(', ')}`);
  await end();
});
