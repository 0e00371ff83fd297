import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Alert, AlertDetail } from '../server/runtime/api.js';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

const FLOW = 'alerts-e2e';
const SINK = 'alert-changes';

/**
 * test-feed → alert → test-sink. The feed sends one sensor `s0` whose value is `seq % 97`, and continues
 * after a redeploy where it stopped, so raising `count` feeds the next readings. `seq` serves as the
 * readings' time (ms), which makes every alert time predictable: value 51 is reached at seq 51, 148, 245.
 */
const flow = (count: number) => ({
  sluice: 1, id: FLOW, name: 'Alert life cycle',
  nodes: [
    { id: 'feed', type: 'test-feed', config: { count, batchSize: 10, sensors: 1 } },
    { id: 'check', type: 'alert', config: { timeField: 'seq', rules: [{ id: 'high', op: '>', value: 50, hysteresis: 40, severity: 'critical' }] } },
    { id: SINK, type: 'test-sink' },
  ],
  wires: [{ from: 'feed', to: 'check' }, { from: 'check', to: SINK }],
  settings: { tickMs: 50 },
});

const alertId = (firedAt: number) => `${FLOW}/check/high/s0/${firedAt}`;
const path = (id: string, action = '') => `/api/alerts/${encodeURIComponent(id)}${action}`;

async function feedUpTo(app: FastifyInstance, count: number): Promise<void> {
  const res = await app.inject({ method: 'POST', url: `/api/flows/${FLOW}/deploy`, payload: flow(count) });
  assert.equal(res.statusCode, 200, res.body);
}

async function alerts(app: FastifyInstance, query = ''): Promise<Alert[]> {
  const res = await app.inject({ url: `/api/alerts${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Alert[];
}

async function alert(app: FastifyInstance, id: string): Promise<AlertDetail> {
  const res = await app.inject({ url: path(id) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as AlertDetail;
}

const act = (app: FastifyInstance, id: string, action: 'acknowledge' | 'resolve', payload: object) =>
  app.inject({ method: 'POST', url: path(id, `/${action}`), payload });

/** What the sink got: `state@at`, with `by` for hand actions, whose time is the wall clock. */
const sinkChanges = () => (received.get(SINK) ?? []).map((r) => (r.by === null ? `${r.state as string}@${r.at as number}` : `${r.state as string} by ${r.by as string}`));

test('an alert life cycle end to end: fire, acknowledge, auto-resolve with hysteresis, re-fire, resolve by hand, no re-fire until cleared', async (t) => {
  const { app } = await openApp(t);
  received.delete(SINK);

  await feedUpTo(app, 60);
  const [fired] = (await waitFor('the first alert', async () => {
    const list = await alerts(app);
    return list.length === 1 ? list : undefined;
  }))!;
  assert.equal(fired!.id, alertId(51));
  assert.deepEqual(
    [fired!.state, fired!.sensor, fired!.ruleId, fired!.severity, fired!.firedAt, fired!.value, fired!.message],
    ['firing', 's0', 'high', 'critical', 51, 51, 's0: value 51 (> 50)'],
  );

  const acked = await act(app, alertId(51), 'acknowledge', { by: 'ana', note: 'crew on the way' });
  assert.equal(acked.statusCode, 200, acked.body);
  assert.deepEqual((acked.json() as AlertDetail).history.map((h) => [h.kind, h.by, h.note]), [['fired', null, null], ['acknowledged', 'ana', 'crew on the way']]);
  const again = await act(app, alertId(51), 'acknowledge', { by: 'bo' });
  assert.equal(again.statusCode, 409);
  assert.match((again.json() as { message: string }).message, /cannot be acknowledged: it was already acknowledged by ana/);

  // The node hears of it: its in-memory state and its `out` port (on the next tick).
  await waitFor('the acknowledgement on out', () => sinkChanges().includes('acknowledged by ana'));
  const open = await app.inject({ url: `/api/flows/${FLOW}/nodes/check/query/open` });
  assert.deepEqual((open.json() as { result: { alert: { acknowledged: boolean } }[] }).result.map((s) => s.alert.acknowledged), [true]);

  // 52…96 stay above 10 (50 − hysteresis 40): no flapping; seq 97 reads 0 and resolves it.
  await feedUpTo(app, 120);
  const resolved = (await waitFor('the automatic resolve', async () => {
    const a = await alert(app, alertId(51));
    return a.state === 'resolved' ? a : undefined;
  }))!;
  assert.deepEqual([resolved.resolution, resolved.resolvedAt, resolved.resolvedValue, resolved.acknowledgedBy], ['auto', 97, 0, 'ana']);
  assert.deepEqual(resolved.history.map((h) => h.kind), ['fired', 'acknowledged', 'resolved']);
  const late = await act(app, alertId(51), 'acknowledge', { by: 'bo' });
  assert.equal(late.statusCode, 409);
  assert.match((late.json() as { message: string }).message, /it was resolved at .*; only a firing alert can be acknowledged/);
  assert.equal((await act(app, alertId(51), 'resolve', { by: 'bo' })).statusCode, 409);

  // The condition returns: a new alert with its own id.
  await feedUpTo(app, 160);
  await waitFor('the second alert', async () => (await alerts(app)).length === 2);
  assert.equal((await alert(app, alertId(148))).state, 'firing');

  // Resolved by hand while the value is still above 50 (it climbs to 62 by seq 159).
  const byHand = await act(app, alertId(148), 'resolve', { by: 'bo', note: 'valve replaced' });
  assert.equal(byHand.statusCode, 200, byHand.body);
  assert.deepEqual(
    (({ state, resolution, resolvedBy, resolveNote }) => ({ state, resolution, resolvedBy, resolveNote }))(byHand.json() as AlertDetail),
    { state: 'resolved', resolution: 'manual', resolvedBy: 'bo', resolveNote: 'valve replaced' },
  );
  await waitFor('the hand resolution on out', () => sinkChanges().includes('resolved by bo'));

  // 160…193 read 63…96, above the limit: no new alert. 194 reads 0 (cleared), 245 reads 51 again: a new alert.
  await feedUpTo(app, 250);
  await waitFor('the third alert', async () => (await alerts(app)).length === 3);
  await waitFor('the feed done', async () => {
    const status = (await app.inject({ url: `/api/flows/${FLOW}/status` })).json() as { nodes: { check: { in: number } } };
    return status.nodes.check.in === 250 - 160;
  });
  assert.deepEqual((await alerts(app)).map((a) => a.id), [alertId(245), alertId(148), alertId(51)], 'newest first, nothing in 160…193');
  assert.deepEqual(sinkChanges(), ['firing@51', 'acknowledged by ana', 'resolved@97', 'firing@148', 'resolved by bo', 'firing@245']);
});

test('listing filters by state, sensor, flow and firing time; unknown ids answer 404 and bad bodies 400', async (t) => {
  const { app } = await openApp(t);
  received.delete(SINK);
  await feedUpTo(app, 250);
  await waitFor('three alerts', async () => (await alerts(app)).length === 3);
  await act(app, alertId(245), 'resolve', { by: 'ana' });

  const ids = async (query: string) => (await alerts(app, query)).map((a) => a.firedAt);
  assert.deepEqual(await ids('?state=resolved'), [245, 148, 51]);
  assert.deepEqual(await ids('?state=firing'), []);
  assert.deepEqual(await ids('?sensor=s0&limit=2'), [245, 148]);
  assert.deepEqual(await ids('?sensor=s9'), []);
  assert.deepEqual(await ids(`?flow=${FLOW}&from=51&to=245`), [148, 51]);
  assert.deepEqual(await ids('?flow=another-flow'), []);
  assert.equal((await app.inject({ url: '/api/alerts?state=open' })).statusCode, 400);

  const unknown = `${FLOW}/check/high/s0/1`;
  assert.equal((await app.inject({ url: path(unknown) })).statusCode, 404);
  const ack = await act(app, unknown, 'acknowledge', { by: 'ana' });
  assert.deepEqual([ack.statusCode, (ack.json() as { error: string }).error], [404, 'not-found']);
  assert.equal((await act(app, alertId(148), 'acknowledge', { note: 'who?' })).statusCode, 400, 'by is required');
});
