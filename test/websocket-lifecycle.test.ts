import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { closeWebSockets, keepAlive } from '../server/api/websocket-lifecycle.js';
import { waitFor } from './helpers/wait.js';

async function serverWithClients(t: { after(fn: () => unknown): void }): Promise<{ server: WebSocketServer; live: WebSocket; frozen: WebSocket }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const clients: WebSocket[] = [];
  // One hook, clients first: a WebSocketServer's close waits for its connections to end.
  t.after(() => {
    for (const ws of clients) ws.terminate();
    return new Promise((resolve) => server.close(resolve));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = async () => {
    const ws = new WebSocket(url);
    await new Promise((resolve) => ws.once('open', resolve));
    clients.push(ws);
    return ws;
  };
  const live = await open();
  const frozen = await open();
  // A peer that no longer reads: its pongs and close frames never come.
  (frozen as unknown as { _socket: { pause(): void } })._socket.pause();
  await waitFor('both connections on the server', () => server.clients.size === 2);
  return { server, live, frozen };
}

test('the heartbeat ends a connection whose peer stopped answering, and keeps the live one', async (t) => {
  const { server, live } = await serverWithClients(t);
  const stop = keepAlive(server, 100);
  t.after(stop);
  await waitFor('the silent peer cut off', () => server.clients.size === 1, 5000);
  assert.equal(live.readyState, WebSocket.OPEN);
});

test('closing for a shutdown waits for the peers that answer, and no longer than the grace for the one that does not', async (t) => {
  const { server, live } = await serverWithClients(t);
  const closed = new Promise<number>((resolve) => live.once('close', (code) => resolve(code)));
  const started = Date.now();
  await closeWebSockets(server, 500);
  const took = Date.now() - started;
  assert.equal(await closed, 1001, 'the live peer got a going-away close');
  assert.ok(took >= 450 && took < 2000, `${took} ms`);
  assert.equal(server.clients.size, 0);
});
