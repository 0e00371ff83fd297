import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WebSocket } from 'ws';
import { ConnectionFeed, DEFAULT_LIMITS, type FeedLimits } from '../live/connection-feed.js';
import { LiveHub } from '../live/hub.js';
import { parseClientMessage, type LiveMessage } from '../live/messages.js';
import '../decorators.js';

/** Past this many bytes queued on a socket, debug messages are dropped (and counted) instead of queued. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LiveOptions {
  limits?: FeedLimits;
  countersEveryMs?: number;
}

/** GET /api/ws: node statuses, debug messages and per-second counters, throttled per connection. */
export const liveRoutes: FastifyPluginAsyncTypebox<LiveOptions> = async (app, options) => {
  const hub = new LiveHub(app.runtime, (err) => app.log.error({ err }, 'live counters failed'), options.countersEveryMs);
  app.addHook('onClose', async () => hub.close());

  // @fastify/websocket hides WebSocket routes from OpenAPI; app.ts describes this one in the document's info.
  app.get('/api/ws', { websocket: true, config: { access: 'viewer' } }, (socket, request) => {
    const send = (message: LiveMessage): boolean => {
      if (socket.readyState !== WebSocket.OPEN) return false;
      if (message.type === 'debug' && socket.bufferedAmount > MAX_BUFFERED_BYTES) return false;
      // Statuses and debug values are redacted where they arise; this is the last line before the wire.
      socket.send(app.runtime.redact(serialise(message)));
      return true;
    };
    const feed = new ConnectionFeed(send, options.limits ?? DEFAULT_LIMITS);
    hub.add(feed);
    socket.on('message', (data) => {
      const parsed = parseClientMessage(data.toString());
      if ('error' in parsed) send({ type: 'error', message: parsed.error });
      else feed.subscribe(parsed.flowId);
    });
    socket.on('close', () => hub.remove(feed));
    socket.on('error', (err) => {
      request.log.warn({ err }, 'websocket error');
      hub.remove(feed);
    });
  });
};

/** Debug values come from node code and may not be JSON (a BigInt, a cycle): report instead of throwing. */
function serialise(message: LiveMessage): string {
  try {
    return JSON.stringify(message);
  } catch (err) {
    return JSON.stringify({ type: 'error', message: `a ${message.type} message could not be serialised: ${(err as Error).message}` });
  }
}
