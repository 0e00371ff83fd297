import type { DebugMessage, RuntimeApi, StatusEvent } from '../../runtime/api.js';
import type { ConnectionFeed } from './connection-feed.js';
import type { CountersMessage } from './messages.js';

/**
 * Fans the runtime's events out to the connected feeds. It listens to the runtime only while
 * someone is connected, and computes the per-second counters once for all connections.
 */
export class LiveHub {
  private readonly feeds = new Set<ConnectionFeed>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: RuntimeApi,
    private readonly onError: (err: unknown) => void,
    private readonly countersEveryMs = 1000,
  ) {}

  add(feed: ConnectionFeed): void {
    this.feeds.add(feed);
    if (this.feeds.size === 1) this.start();
  }

  remove(feed: ConnectionFeed): void {
    feed.close();
    if (this.feeds.delete(feed) && this.feeds.size === 0) this.stop();
  }

  close(): void {
    for (const feed of [...this.feeds]) this.remove(feed);
  }

  get connections(): number {
    return this.feeds.size;
  }

  private readonly onStatus = (event: StatusEvent) => {
    for (const feed of this.feeds) feed.status(event);
  };

  private readonly onDebug = (message: DebugMessage) => {
    for (const feed of this.feeds) feed.debug(message);
  };

  private start(): void {
    this.runtime.events.on('status', this.onStatus);
    this.runtime.events.on('debug', this.onDebug);
    this.timer = setInterval(() => this.tick(), this.countersEveryMs);
  }

  private stop(): void {
    this.runtime.events.off('status', this.onStatus);
    this.runtime.events.off('debug', this.onDebug);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    // A timer callback that throws would take the whole process down; a missed tick is only a gap.
    try {
      this.broadcastCounters();
    } catch (err) {
      this.onError(err);
    }
  }

  private broadcastCounters(): void {
    const counters: CountersMessage[] = [];
    for (const flow of this.runtime.listFlows()) {
      if (flow.state !== 'running') continue;
      const status = this.runtime.status(flow.id);
      if (status) counters.push({ type: 'counters', flowId: flow.id, nodes: status.nodes });
    }
    for (const feed of this.feeds) feed.tick(counters);
  }
}
