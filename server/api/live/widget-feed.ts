import type { RuntimeApi, StatusEvent, WidgetEvent } from '../../runtime/api.js';
import type { NodeStatus } from '../../core/types.js';

/** What the server pushes on /api/dashboards/:page/live. */
export type DashboardMessage =
  | { type: 'widget'; flowId: string; nodeId: string; at: number; data: unknown }
  | { type: 'widget-status'; flowId: string; nodeId: string; status: NodeStatus & { at: number } }
  /** Updates of this widget were dropped (a slow connection): fetch its data again. */
  | { type: 'resync'; flowId: string; nodeId: string };

/** The sending end of one page's socket: false when the message could not be queued. */
export type Send = (message: DashboardMessage) => boolean;

/** Past this many bytes queued on a socket, widget updates are dropped and the page is told to fetch again. */
export const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

interface Feed {
  page: string;
  send: Send;
  queued(): number;
  /** Widgets whose updates were dropped, told to resync once the socket drains. */
  dropped: Map<string, { flowId: string; nodeId: string }>;
}

/**
 * Fans widget updates and widget statuses out to the sockets of the pages they are on. Widgets throttle
 * their own updates; a socket that cannot keep up loses updates, and is told which widgets to fetch again.
 * The page of a widget is looked up for every update, so a widget moved by a redeploy stops reaching its
 * old page at once, and a shared link never receives another page's data.
 */
export class WidgetHub {
  private readonly feeds = new Set<Feed>();

  constructor(private readonly runtime: RuntimeApi) {}

  add(page: string, send: Send, queued: () => number): () => void {
    const feed: Feed = { page, send, queued, dropped: new Map() };
    this.feeds.add(feed);
    if (this.feeds.size === 1) this.listen(true);
    return () => {
      if (this.feeds.delete(feed) && this.feeds.size === 0) this.listen(false);
    };
  }

  close(): void {
    this.feeds.clear();
    this.listen(false);
  }

  private listen(on: boolean): void {
    const events = this.runtime.events;
    events.off('widget', this.onWidget);
    events.off('status', this.onStatus);
    if (!on) return;
    events.on('widget', this.onWidget);
    events.on('status', this.onStatus);
  }

  private readonly onWidget = (e: WidgetEvent) => {
    const widget = this.runtime.widget(e.flowId, e.nodeId);
    if (!widget) return;
    this.deliver(widget.page, e.flowId, e.nodeId, { type: 'widget', flowId: e.flowId, nodeId: e.nodeId, at: e.at, data: e.data });
  };

  private readonly onStatus = (e: StatusEvent) => {
    const widget = this.runtime.widget(e.flowId, e.nodeId);
    if (!widget) return;
    this.deliver(widget.page, e.flowId, e.nodeId, { type: 'widget-status', flowId: e.flowId, nodeId: e.nodeId, status: e.status });
  };

  private deliver(page: string, flowId: string, nodeId: string, message: DashboardMessage): void {
    for (const feed of this.feeds) {
      if (feed.page !== page) continue;
      const key = `${flowId}\u0000${nodeId}`;
      if (feed.queued() > MAX_QUEUED_BYTES || !feed.send(message)) {
        if (message.type === 'widget') feed.dropped.set(key, { flowId, nodeId });
        continue;
      }
      for (const [k, w] of feed.dropped) {
        if (feed.send({ type: 'resync', ...w })) feed.dropped.delete(k);
      }
    }
  }
}
