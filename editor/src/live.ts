import type { ConnectionState, LiveMessage } from './types';

export interface LiveHandlers {
  message(message: LiveMessage): void;
  state(state: ConnectionState, retryInMs?: number): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;
const LIVE_TYPES = new Set(['status', 'debug', 'debug-dropped', 'counters', 'error']);

/** Exponential backoff with jitter, so many tabs do not reconnect in lockstep after a server restart. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
  return Math.round(base * (0.75 + random() * 0.5));
}

/** The page's own host: the built editor is served by the Sluice server, and `vite` proxies /api in development. */
export function liveUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
}

/**
 * The /api/ws feed: reconnects with backoff when the socket closes and restores the subscription,
 * so callers only say which flow they watch.
 */
export class LiveSocket {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private flowId: string | null = null;
  private stopped = false;

  constructor(private readonly url: string, private readonly handlers: LiveHandlers) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  subscribe(flowId: string | null): void {
    this.flowId = flowId;
    this.sendSubscription();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = null;
  }

  private connect(): void {
    this.handlers.state('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.handlers.state('open');
      this.sendSubscription();
    };
    socket.onmessage = (event: MessageEvent<unknown>) => {
      const message = typeof event.data === 'string' ? parseLiveMessage(event.data) : null;
      if (message) this.handlers.message(message);
    };
    // Every failure ends in `close` (an `error` event is always followed by one), so retrying lives there.
    socket.onclose = () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      const wait = retryDelay(this.attempt++);
      this.handlers.state('closed', wait);
      this.retryTimer = window.setTimeout(() => this.connect(), wait);
    };
  }

  private sendSubscription(): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'subscribe', flowId: this.flowId }));
  }
}

export function parseLiveMessage(text: string): LiveMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    console.warn('ignored a live message that is not JSON', err);
    return null;
  }
  if (value === null || typeof value !== 'object' || !('type' in value) || typeof value.type !== 'string') return null;
  return LIVE_TYPES.has(value.type) ? (value as LiveMessage) : null;
}
