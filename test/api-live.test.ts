import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { ConnectionFeed } from '../server/api/live/connection-feed.js';
import type { LiveMessage } from '../server/api/live/messages.js';
import { draft, openApp } from './helpers/api-app.js';
import { waitFor } from './helpers/wait.js';

test('the WebSocket feed delivers debug messages, statuses and counters of a running flow', async (t) => {
  const { app, auth } = await openApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: auth });
  t.after(() => ws.close());
  const messages: LiveMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as LiveMessage));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(JSON.stringify({ type: 'subscribe', flowId: 'ws' }));
  ws.send('not json');
  // Client messages are handled in order: once the error comes back, the subscription is in place.
  await waitFor('the answer to a bad client message', () => messages.some((m) => m.type === 'error' && /not JSON/.test(m.message)), 5000);

  await app.inject({ method: 'POST', url: '/api/flows/other/deploy', payload: draft('other') });
  await app.inject({ method: 'POST', url: '/api/flows/ws/deploy', payload: draft('ws') });
  await waitFor('debug, status and counters messages', () => ['debug', 'status', 'counters'].every((type) => messages.some((m) => m.type === type)), 10_000);
  const debug = messages.find((m): m is Extract<LiveMessage, { type: 'debug' }> => m.type === 'debug')!;
  assert.equal(debug.nodeId, 'show');
  assert.equal(typeof (debug.value as { sensor?: unknown }).sensor, 'string', 'a simulated reading');
  const counters = messages.find((m): m is Extract<LiveMessage, { type: 'counters' }> => m.type === 'counters')!;
  assert.ok(counters.nodes.sim && counters.nodes.show);
  assert.ok(
    messages.every((m) => !('flowId' in m) || m.flowId === 'ws'),
    'the subscription keeps the other flow out',
  );
});

test('a connection feed caps debug messages per second and coalesces statuses per node', async () => {
  const sent: LiveMessage[] = [];
  const feed = new ConnectionFeed((m) => { sent.push(m); return true; }, { debugPerSecond: 20, statusFlushMs: 50 });
  for (let i = 0; i < 50; i++) feed.debug({ flowId: 'f', nodeId: 'n', at: i, value: i });
  assert.equal(sent.filter((m) => m.type === 'debug').length, 20);
  feed.tick([]);
  assert.deepEqual(sent.at(-1), { type: 'debug-dropped', count: 30 });
  feed.debug({ flowId: 'f', nodeId: 'n', at: 99, value: 99 });
  assert.equal(sent.at(-1)!.type, 'debug', 'a new window passes messages again');

  sent.length = 0;
  for (let i = 0; i < 10; i++) feed.status({ flowId: 'f', nodeId: 'a', status: { state: 'running', text: `a${i}`, at: i } });
  feed.status({ flowId: 'f', nodeId: 'b', status: { state: 'idle', at: 0 } });
  assert.equal(sent.length, 0, 'statuses wait for the flush');
  await waitFor('the status flush', () => sent.length === 2, 1000);
  assert.deepEqual(sent.map((m) => (m.type === 'status' ? m.status.text ?? m.status.state : m.type)), ['a9', 'idle']);

  feed.subscribe('g');
  feed.debug({ flowId: 'f', nodeId: 'n', at: 0, value: 0 });
  feed.tick([{ type: 'counters', flowId: 'f', nodes: {} }, { type: 'counters', flowId: 'g', nodes: {} }]);
  assert.deepEqual(sent.slice(2).map((m) => (m.type === 'counters' ? m.flowId : m.type)), ['g'], 'only the subscribed flow');
  feed.close();
});
