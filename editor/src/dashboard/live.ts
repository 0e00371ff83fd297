import { retryDelay } from '../live';
import type { DashboardApi } from './api';
import type { DashboardMessage } from './types';

export type Listener = (message: DashboardMessage) => void;
export type LiveState = 'connecting' | 'open' | 'closed';

/**
 * The page's one socket: widget updates go to the widget that listens for them. After a reconnect (a
 * server restart, a lost network) every widget is told to fetch again: updates sent meanwhile are lost.
 */
export class PageLive {
  private socket: WebSocket | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(s: LiveState) => void>();
  private attempt = 0;
  private timer: number | undefined;
  private stopped = false;
  private opened = false;
  state: LiveState = 'connecting';

  constructor(private readonly api: DashboardApi) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.socket?.close();
  }

  /** `key` is `<flow>/<node>`. */
  listen(key: string, fn: Listener): () => void {
    const set = this.listeners.get(key) ?? new Set();
    set.add(fn);
    this.listeners.set(key, set);
    return () => set.delete(fn);
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: LiveState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState('connecting');
    const socket = new WebSocket(this.api.liveUrl(window.location), this.api.liveProtocols());
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      // After a reconnect, whatever was pushed meanwhile is missing: every widget fetches again.
      if (this.opened) for (const [key, set] of this.listeners) for (const fn of set) fn(resync(key));
      this.opened = true;
    };
    socket.onmessage = (e) => {
      let message: DashboardMessage;
      try {
        message = JSON.parse(String(e.data)) as DashboardMessage;
      } catch (err) {
        console.warn('a dashboard message was not JSON', err);
        return;
      }
      for (const fn of this.listeners.get(`${message.flowId}/${message.nodeId}`) ?? []) fn(message);
    };
    socket.onclose = () => {
      this.socket = null;
      if (this.stopped) return;
      this.setState('closed');
      this.timer = window.setTimeout(() => this.connect(), retryDelay(this.attempt++));
    };
  }
}

function resync(key: string): DashboardMessage {
  const at = key.indexOf('/');
  return { type: 'resync', flowId: key.slice(0, at), nodeId: key.slice(at + 1) };
}
