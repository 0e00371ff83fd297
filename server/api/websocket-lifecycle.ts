import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { WebSocket, type WebSocketServer } from 'ws';

/** How long a shutdown waits for the peers to answer the close frame before it cuts their sockets. */
export const CLOSE_GRACE_MS = 1000;
/** A peer that has not answered a ping by the next one is gone (a sleeping laptop, a dropped network). */
export const HEARTBEAT_MS = 30_000;

/**
 * Closes every WebSocket for a shutdown: a close frame first (the editor then shows "reconnecting"), then,
 * after at most `graceMs`, the sockets that are still open are destroyed. ws's own `close()` waits 30 s for
 * an answer, and an HTTP server's close waits for every socket: a peer that does not read (a tab frozen in
 * the background, a half-open connection) would otherwise hold the shutdown that long.
 */
export async function closeWebSockets(server: WebSocketServer, graceMs = CLOSE_GRACE_MS): Promise<void> {
  const open = [...server.clients].filter((c) => c.readyState !== WebSocket.CLOSED);
  for (const client of open) client.close(1001, 'server shutting down');
  const grace = new AbortController();
  await Promise.race([
    Promise.all(open.map((c) => (c.readyState === WebSocket.CLOSED ? undefined : once(c, 'close')))),
    delay(graceMs, undefined, { signal: grace.signal }).catch(() => undefined),
  ]);
  // A pending grace timer would keep the process alive after everything else stopped.
  grace.abort();
  await Promise.all([...server.clients].map((client) => {
    const closed = once(client, 'close');
    client.terminate();
    return closed;
  }));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Pings every client each `everyMs` and terminates those that did not answer the previous ping, so a dead
 * peer stops holding a room's presence, a live feed's buffer and, at the end, the shutdown.
 */
export function keepAlive(server: WebSocketServer, everyMs = HEARTBEAT_MS): () => void {
  const waiting = new WeakSet<WebSocket>();
  const watched = new WeakSet<WebSocket>();
  const timer = setInterval(() => {
    for (const socket of server.clients) {
      if (waiting.has(socket)) {
        socket.terminate();
        continue;
      }
      if (!watched.has(socket)) {
        watched.add(socket);
        socket.on('pong', () => waiting.delete(socket));
      }
      waiting.add(socket);
      socket.ping();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** `preClose` for @fastify/websocket: no new upgrades, then closeWebSockets. */
export async function preCloseWebSockets(this: FastifyInstance): Promise<void> {
  this.server.removeAllListeners('upgrade');
  await closeWebSockets(this.websocketServer);
}
