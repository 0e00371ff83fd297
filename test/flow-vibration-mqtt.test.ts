import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Alert } from '../server/core/services.js';
import { client } from './helpers/mqtt-broker.js';
import { deployMqttQuestDbFlow, flowStatus, widgetQuery } from './helpers/shipped-flow.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'vibration-mqtt';
const MIN = 60_000;
const HOUR = 60 * MIN;
const MINUTES = 21;

interface Reading { ts: number; ppv: number; freq: number; lat: number; lon: number }
interface Row { sensor: string; start: number; end: number; count: number; max: number; mean: number; p95: number; lat: number; lon: number }
interface Change { sensor: string; rule: string; state: 'firing' | 'resolved'; at: number; firedAt: number }

// The scenario, minute by minute: sensor a shakes hard in minutes 5-7, b is quiet until minute 14 and
// then wakes up, c stays at an ordinary level. Six readings a minute, each sensor at its own offset.
function ppv(role: 'a' | 'b' | 'c', m: number, k: number): number {
  if (role === 'a') return m >= 5 && m <= 7 && k === 2 ? 8 + m / 10 : 1 + ((m * 6 + k) % 7) / 10;
  if (role === 'b') return m <= 14 ? 0.05 + ((m + k) % 5) / 100 : 2 + k / 10;
  return 0.8 + ((m + k) % 4) / 20;
}
const POSITION = { a: [45.76, 4.83], b: [45.761, 4.832], c: [45.762, 4.834] } as const;

/** What the rollup must emit: per sensor and closed minute, computed here from the published readings. */
function expectedRows(published: Map<string, Reading[]>, watermark: number): Row[] {
  const rows: Row[] = [];
  for (const [sensor, readings] of published) {
    const byMinute = new Map<number, Reading[]>();
    for (const r of readings) {
      const start = Math.floor(r.ts / MIN) * MIN;
      byMinute.set(start, [...(byMinute.get(start) ?? []), r]);
    }
    for (const [start, rs] of byMinute) {
      if (start + MIN > watermark) continue;
      const values = rs.map((r) => r.ppv).sort((x, y) => x - y);
      const last = rs.reduce((x, y) => (y.ts >= x.ts ? y : x));
      rows.push({
        sensor, start, end: start + MIN, count: rs.length, max: values.at(-1)!,
        mean: values.reduce((s, v) => s + v, 0) / values.length,
        p95: values[Math.floor(0.95 * (values.length - 1))]!, lat: last.lat, lon: last.lon,
      });
    }
  }
  return rows;
}

/**
 * The flow's two rules replayed on the rows, written out from its description: strong fires above 5 and
 * resolves at 4 or below; quiet fires once every row for 10 minutes was below 0.3, resolves at 0.5 or above.
 */
function expectedChanges(rows: Row[]): Change[] {
  const changes: Change[] = [];
  for (const sensor of new Set(rows.map((r) => r.sensor))) {
    let strong: number | undefined;
    let quiet: number | undefined;
    let quietSince: number | undefined;
    for (const row of rows.filter((r) => r.sensor === sensor).sort((x, y) => x.end - y.end)) {
      if (strong === undefined && row.max > 5) changes.push({ sensor, rule: 'strong', state: 'firing', at: row.end, firedAt: (strong = row.end) });
      else if (strong !== undefined && row.max <= 4) {
        changes.push({ sensor, rule: 'strong', state: 'resolved', at: row.end, firedAt: strong });
        strong = undefined;
      }
      if (row.max < 0.3) {
        quietSince ??= row.end;
        if (quiet === undefined && row.end - quietSince >= 10 * MIN) changes.push({ sensor, rule: 'quiet', state: 'firing', at: row.end, firedAt: (quiet = row.end) });
      } else {
        quietSince = undefined;
        if (quiet !== undefined && row.max >= 0.5) {
          changes.push({ sensor, rule: 'quiet', state: 'resolved', at: row.end, firedAt: quiet });
          quiet = undefined;
        }
      }
    }
  }
  return changes.sort((x, y) => x.at - y.at || x.sensor.localeCompare(y.sensor));
}

test('vibration-mqtt, as shipped: MQTT readings with GPS → validate → 1-minute rows in QuestDB → alerts → commands back over MQTT', async (t) => {
  const { app, broker, ilp, end } = await deployMqttQuestDbFlow(t, FLOW, 'readings');

  // Names unique to this run: the broker is shared, sensors' alerts are keyed by sensor id.
  const run = randomBytes(4).toString('hex');
  const site = `site-${run}`;
  const sensorOf = { a: `a-${run}`, b: `b-${run}`, c: `c-${run}` } as const;
  const sensors = await client(t, broker.url);
  const commands: { topic: string; payload: { [k: string]: unknown } }[] = [];
  sensors.on('message', (topic, payload) => commands.push({ topic, payload: JSON.parse(payload.toString()) as { [k: string]: unknown } }));
  await sensors.subscribeAsync(`sites/${site}/sensors/+/commands`, { qos: 1 });

  // Event times are ours: whole minutes starting two hours ago (validate refuses more than 5 min ahead).
  const T = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const published = new Map<string, Reading[]>(Object.values(sensorOf).map((s) => [s, []]));
  const topicOf = (sensor: string) => `sites/${site}/sensors/${sensor}/readings`;
  for (let m = 0; m < MINUTES; m++) {
    for (const [i, role] of (['a', 'b', 'c'] as const).entries()) {
      const readings = Array.from({ length: 6 }, (_, k): Reading => ({
        ts: T + m * MIN + k * 10_000 + i * 1000, ppv: ppv(role, m, k), freq: 20 + k,
        lat: POSITION[role][0] + k / 100_000, lon: POSITION[role][1] - k / 100_000,
      }));
      published.get(sensorOf[role])!.push(...readings);
      // A sensor sends its buffered minute as one message: a JSON array.
      await sensors.publishAsync(topicOf(sensorOf[role]), JSON.stringify(readings), { qos: 1 });
    }
    if (m === 3) {
      // What a broken sensor sends: a GPS fix off the globe, a reading without ppv, a garbled payload.
      await sensors.publishAsync(topicOf(sensorOf.a), JSON.stringify({ ts: T + m * MIN + 5000, ppv: 1, lat: 123, lon: 4.83 }), { qos: 1 });
      await sensors.publishAsync(topicOf(sensorOf.b), JSON.stringify({ ts: T + m * MIN + 5000, lat: 45.76, lon: 4.83 }), { qos: 1 });
      await sensors.publishAsync(topicOf(sensorOf.c), '{"ts": 17', { qos: 1 });
    }
  }
  const newest = Math.max(...[...published.values()].flat().map((r) => r.ts));
  const rows = expectedRows(published, newest - 30_000);
  const changes = expectedChanges(rows);
  assert.equal(rows.length, 3 * 20, 'minutes 0-19 close, minute 20 stays open');
  t.diagnostic(`published ${[...published.values()].flat().length} valid readings + 3 bad messages; expecting ${rows.length} rows, ${changes.length} alert changes`);

  const stored = () => ilp.rows('vibration_1m').filter((r) => r.site === site);
  await waitFor(`${rows.length} rows in vibration_1m`, () => stored().length === rows.length);
  await waitFor(`${changes.length} commands`, () => commands.length >= changes.length);
  // Everything the alerts emitted has gone through the policy and been published.
  await waitFor('the alert → policy → commands branch drained', async () => {
    const n = (await flowStatus(app, FLOW)).nodes;
    return n.policy!.in === n.alerts!.out.out && n.commands!.in === n.policy!.out.out;
  });

  // Rows: exact count, max and last position; the mean to rounding; p95 within the documented 1%.
  const byKey = new Map(stored().map((r) => [`${r.sensor as string}@${Number((r.ts as bigint) / 1_000_000n)}`, r]));
  for (const e of rows) {
    const got = byKey.get(`${e.sensor}@${e.start}`);
    assert.ok(got, `a row for ${e.sensor} at minute ${(e.start - T) / MIN}`);
    assert.deepEqual([got.count, got.ppv_max, got.lat_last, got.lon_last], [BigInt(e.count), e.max, e.lat, e.lon], `${e.sensor} minute ${(e.start - T) / MIN}`);
    assert.ok(Math.abs((got.ppv_mean as number) - e.mean) < 1e-9, `mean ${got.ppv_mean} ≈ ${e.mean}`);
    assert.ok(Math.abs((got.ppv_p95 as number) - e.p95) <= 0.01 * e.p95, `p95 ${got.ppv_p95} within 1% of ${e.p95}`);
  }

  // The alerts as the API reports them.
  assert.deepEqual(changes.map((c) => `${c.sensor.slice(0, 1)} ${c.rule} ${c.state} +${(c.at - T) / MIN}m`),
    ['a strong firing +6m', 'a strong resolved +9m', 'b quiet firing +11m', 'b quiet resolved +16m'], 'the scenario as designed');
  const alerts = (await app.inject({ url: `/api/alerts?flow=${FLOW}&limit=1000` })).json() as Alert[];
  const mine = alerts.filter((a) => Object.values(sensorOf).includes(a.sensor as never));
  const fired = changes.filter((c) => c.state === 'firing');
  assert.deepEqual(
    mine.map((a) => [a.ruleId, a.sensor, a.firedAt, a.state, a.resolvedAt, a.severity]).sort(),
    fired.map((c) => [c.rule, c.sensor, c.firedAt, 'resolved', changes.find((r) => r.state === 'resolved' && r.firedAt === c.firedAt && r.sensor === c.sensor)!.at,
      c.rule === 'strong' ? 'critical' : 'info']).sort(),
  );

  // The dashboard: each sensor's peak PPV per minute on the chart (every point, zoomed to the run), the alerts in its list.
  const widget = <T>(nodeId: string, name: string, params: { [k: string]: string } = {}) => widgetQuery<T>(app, 'vibration', FLOW, nodeId, name, params);
  await waitFor('every closed minute on the chart', async () => {
    const range = await widget<{ series: { key: string; ts: number[]; values: (number | null)[] }[] }>('ppv-chart', 'range', { from: String(T), to: String(T + 30 * MIN), width: '4000' });
    const drawn = range.series.filter((s) => Object.values(sensorOf).includes(s.key as never))
      .flatMap((s) => s.ts.flatMap((ts, i) => (s.values[i] === null ? [] : [`${s.key}@${ts}=${s.values[i]}`]))).sort();
    return JSON.stringify(drawn) === JSON.stringify(rows.map((e) => `${e.sensor}@${e.start}=${e.max}`).sort());
  });
  const listed = await widget<{ alerts: Alert[] }>('alert-list', 'alerts');
  assert.deepEqual(listed.alerts.filter((a) => mine.some((m) => m.id === a.id)).map((a) => a.id).sort(), mine.map((a) => a.id).sort());

  // The commands each sensor received, in order.
  const expectedCommands = changes.map((c) => ({
    topic: `sites/${site}/sensors/${c.sensor}/commands`,
    payload: {
      site, sensor: c.sensor, reason: `${c.rule} ${c.state}`, alertId: `${FLOW}/alerts/${c.rule}/${c.sensor}/${c.firedAt}`, at: c.at,
      ...(c.rule === 'strong' ? { command: 'sample-frequency', hz: c.state === 'firing' ? 1000 : 100 } : { command: c.state === 'firing' ? 'sleep' : 'awake' }),
    },
  }));
  const perSensor = (list: typeof commands) => Object.values(sensorOf).map((s) => list.filter((c) => c.topic.includes(`/${s}/`)));
  assert.deepEqual(perSensor(commands), perSensor(expectedCommands));
  t.diagnostic(`commands: ${commands.map((c) => `${c.payload.sensor as string}:${c.payload.command as string}${c.payload.hz ? `(${c.payload.hz as number} Hz)` : ''}`).join(', ')}`);

  // Nothing rejected is lost: the two invalid readings and the garbled message are dead letters.
  const dead = (await app.inject({ url: `/api/flows/${FLOW}/dead-letters` })).json() as { nodeId: string; records: { reason: string; record?: { sensor?: string } }[] }[];
  const reasons = dead.flatMap((d) => d.records.map((r) => `${d.nodeId}: ${r.reason}`));
  assert.equal(reasons.length, 3, reasons.join('\n'));
  assert.ok(reasons.some((r) => /^check: lat: 123 is above max 90/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^check: ppv: missing/.test(r)), reasons.join('\n'));
  assert.ok(reasons.some((r) => /^readings: not valid JSON/.test(r)), reasons.join('\n'));
  await end();
});
