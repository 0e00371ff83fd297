import type { DebugMessage, StatusEvent } from '../../runtime/api.js';
import type { CountersMessage, LiveMessage } from './messages.js';

export interface FeedLimits {
  /** Debug messages passed per one-second window; the rest are counted and reported. */
  debugPerSecond: number;
  /** Minimum interval between two status flushes; statuses of one node in between coalesce. */
  statusFlushMs: number;
}

export const DEFAULT_LIMITS: FeedLimits = { debugPerSecond: 20, statusFlushMs: 250 };

/**
 * The throttled view of the runtime's events for one WebSocket client, so a chatty flow cannot
 * flood a browser tab: debug messages are capped per second, statuses coalesce per node.
 */
export class ConnectionFeed {
  private flowId: string | null = null;
  private debugInWindow = 0;
  private debugDropped = 0;
  private readonly pendingStatus = new Map<string, StatusEvent>();
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusFlush = 0;
  private closed = false;

  constructor(
    private readonly send: (message: LiveMessage) => boolean,
    private readonly limits: FeedLimits = DEFAULT_LIMITS,
  ) {}

  subscribe(flowId: string | null): void {
    this.flowId = flowId;
    for (const [key, event] of this.pendingStatus) if (!this.wants(event.flowId)) this.pendingStatus.delete(key);
  }

  debug(message: DebugMessage): void {
    if (this.closed || !this.wants(message.flowId)) return;
    // `send` answers false when the socket's buffer is full: a slow client loses debug messages, visibly.
    if (this.debugInWindow < this.limits.debugPerSecond && this.send({ type: 'debug', ...message })) this.debugInWindow++;
    else this.debugDropped++;
  }

  status(event: StatusEvent): void {
    if (this.closed || !this.wants(event.flowId)) return;
    this.pendingStatus.set(`${event.flowId}\u0000${event.nodeId}`, event);
    if (this.statusTimer) return;
    const wait = Math.max(0, this.lastStatusFlush + this.limits.statusFlushMs - Date.now());
    this.statusTimer = setTimeout(() => this.flushStatus(), wait);
  }

  /** Called once per second: closes the debug window and pushes the counters of running flows. */
  tick(counters: CountersMessage[]): void {
    if (this.closed) return;
    if (this.debugDropped > 0) this.send({ type: 'debug-dropped', count: this.debugDropped });
    this.debugDropped = 0;
    this.debugInWindow = 0;
    for (const c of counters) if (this.wants(c.flowId)) this.send(c);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.pendingStatus.clear();
  }

  private wants(flowId: string): boolean {
    return this.flowId === null || this.flowId === flowId;
  }

  private flushStatus(): void {
    this.statusTimer = undefined;
    this.lastStatusFlush = Date.now();
    const events = [...this.pendingStatus.values()];
    this.pendingStatus.clear();
    for (const e of events) this.send({ type: 'status', flowId: e.flowId, nodeId: e.nodeId, status: e.status });
  }
}
